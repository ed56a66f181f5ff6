#!/usr/bin/env python3
"""Files written by torch.save, for the tests of dspn4j's PyTorch checkpoint reader (org.dspn4j.io.torch).

Run by hand, never by the build:

    /usr/bin/python3 golden/generate_torch_files.py     # Debian's python3-torch 1.13; writes src/test/resources/torch/
    /usr/bin/python3 golden/generate_torch_files.py NAME...   # only the files named (legacy files' bytes change per run)
    /usr/bin/python3 golden/generate_torch_files.py --out /tmp/torch-files   # elsewhere, to compare with the committed ones

Every file is written by torch.save itself, in the zip format (PyTorch >= 1.6, the default) and in the
legacy format (_use_new_zipfile_serialization=False: magic number, protocol, sys info, the pickle, the
storage keys, then each storage's element count and raw bytes), and then loaded back with torch.load.
Beside each file, <file>.expected.npz holds every tensor exactly as torch.load returns it (np.savez),
keyed by its path in the loaded object ("weights/set_encoder.conv.0.weight"), and for the authors'
dict the tracker's per-epoch means ("tracker_mean/train_loss": sum(v) / len(v), NaN for an empty epoch). numpy has no bfloat16,
and dspn4j's NdArray has no float16, int16 or int8: those are stored widened (float16 and bfloat16 to
float32, int16 and int8 to int32) -- exact conversions, so the bits of the original are determined.

Storages tagged cuda:0. This machine has no CUDA, so a file "saved on the GPU" is made like this:
  * torch.serialization.location_tag is replaced, during torch.save only, by a function returning
    "cuda:0": that string is exactly what torch.save records for a storage on the first GPU, and the
    rest of the file is what torch.save writes for the same values (PyTorch copies CUDA storages to the
    host before writing their bytes);
  * for the 2019-style legacy file, PyTorch before 1.7 also pickled the CUDA storage class,
    torch.cuda.FloatStorage, where 1.13 pickles torch.FloatStorage: the one GLOBAL opcode naming it in
    the pickle is rewritten from "torch\\nFloatStorage\\n" to "torch.cuda\\nFloatStorage\\n" (protocol 2
    has no frames or lengths around it, so the longer line is a valid pickle; the script checks that
    the pattern occurs exactly once, before the first storage's bytes).
Each such file is loaded back with torch.load(map_location="cpu") and compared with the original tensors.

Files (all small):
  authors_mnist_dspn_2019      legacy, cuda:0, torch.cuda.FloatStorage: the dict train.py saves each
                               epoch ({"name", "tracker", "weights", "args", "hash"}) for a small MNIST
                               DSPN (hidden 16, latent 8, N = 342) built by reference_model.py, whose
                               state_dict has the authors' parameter names and shapes; weights is an
                               OrderedDict with _metadata; DSPN's encoder appears twice, sharing storages
  authors_mnist_dspn_zip       the same dict, zip format, cuda:0 (as PyTorch >= 1.6 on a GPU writes it)
  state_dict_legacy.pt / _zip.pt   (and state_dict_protocol4_legacy.pt, state_dict_protocol5_zip.pt: the same
                               saved with pickle_protocol=4 and 5, whose pickles use FRAME, MEMOIZE,
                               STACK_GLOBAL and the short string opcodes)
                               a bare state_dict (OrderedDict) on the CPU: float32 with special values
                               (NaN with a payload, infinities, -0, subnormals), float64, float16,
                               bfloat16, int64, int32, int16, int8, uint8, bool, a 0-d tensor, an empty one
  views_legacy.pt / _zip.pt    tensors that are views: offsets, transposed and step strides, stride 0
                               (expand), overlapping as_strided windows, a Parameter, and a nested
                               structure of plain values (the Java test states those values by hand)
  authors_mnist_dspn_args_mismatch_zip
                               the authors' dict of authors_mnist_dspn_zip with args.dim = 32: args that
                               disagree with the weights' shapes (hidden 16), which must be refused
  authors_clevr_state_args_zip the same weights with args of a clevr-state run (dataset, encoder RNFSEncoder):
                               a file that claims another task, refused by the MNIST commands before
                               its weights are looked at (a real CLEVR state_dict, ResNet34 included,
                               would be 85 MB)
  mnist_mlp_state_dict.pt      a bare state_dict (zip, CPU) of a small MNIST MLP baseline (hidden 4, latent 8, N 342)
                               built by reference_model.py, as torch.save(net.state_dict(), f) writes it
  hostile_os_system_legacy.pt / _zip.pt
                               a checkpoint with an object whose __reduce__ is os.system("touch
                               /tmp/dspn4j-torch-hostile-marker"); the script checks that torch.load
                               (no weights_only) really runs it, then removes the marker. No expected npz.

The authors' "hash" is synthetic (sha1 of a fixed phrase): these are not the authors' files.
Re-running gives the same values; the legacy files' storage keys (memory addresses) and so their
bytes differ from run to run.
"""
import argparse
import collections
import hashlib
import io
import os
import pickletools
import sys
import zipfile

import numpy as np
import torch
import torch.serialization

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_model as rm  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "src", "test", "resources", "torch"))
MARKER = "/tmp/dspn4j-torch-hostile-marker"


def save(obj, path, legacy, location=None, protocol=2):
    """torch.save, optionally recording every storage's location as `location`."""
    original = torch.serialization.location_tag
    if location is not None:
        torch.serialization.location_tag = lambda storage: location
    try:
        torch.save(obj, path, pickle_protocol=protocol, _use_new_zipfile_serialization=not legacy)
    finally:
        torch.serialization.location_tag = original


def patch_cuda_storage_class(path):
    """Rewrites the pickled torch.FloatStorage global to torch.cuda.FloatStorage (the pre-1.7 form)."""
    data = open(path, "rb").read()
    old, new = b"ctorch\nFloatStorage\n", b"ctorch.cuda\nFloatStorage\n"
    assert data.count(old) == 1, "expected exactly one FloatStorage global"
    # the main pickle is the fourth (magic number, protocol, sys info, object); the pattern must lie in it
    f = io.BytesIO(data)
    for _ in range(4):
        for _op in pickletools.genops(f):
            pass
    assert data.index(old) < f.tell(), "the FloatStorage global is not in the main pickle"
    open(path, "wb").write(data.replace(old, new))


def widened(t):
    """The tensor as numpy, widened exactly where numpy or NdArray lack the dtype."""
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.float().numpy()
    if t.dtype in (torch.int16, torch.int8):
        return t.int().numpy()
    return t.numpy()


def flatten(obj, prefix, out):
    if isinstance(obj, torch.Tensor):
        out[prefix] = np.array(widened(obj.detach()), order="C", copy=True)  # keeps 0-d tensors 0-d
    elif isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, f"{prefix}/{k}" if prefix else str(k), out)


def raw_bytes(t):
    return t.detach().reshape(-1).contiguous().view(torch.uint8)


def same(a, b):
    """Equal structure; tensors equal in dtype, shape, strides, offset and every byte."""
    if isinstance(a, torch.Tensor):
        return (isinstance(b, torch.Tensor) and type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
                and a.stride() == b.stride() and a.storage_offset() == b.storage_offset()
                and torch.equal(raw_bytes(a), raw_bytes(b)))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def write(name, obj, legacy, location=None, cuda_class=False, protocol=2):
    path = os.path.join(OUT, name)
    save(obj, path, legacy, location, protocol)
    if cuda_class:
        patch_cuda_storage_class(path)
    loaded = torch.load(path, map_location="cpu")
    assert same(obj, loaded), name
    if isinstance(obj, dict) and "weights" in obj:
        assert loaded["weights"]._metadata == obj["weights"]._metadata
    if legacy:
        assert open(path, "rb").read(2) == bytes([0x80, protocol])
    else:
        assert zipfile.is_zipfile(path)
    expected = {}
    flatten(loaded, "", expected)
    if isinstance(obj, dict) and "tracker" in obj:
        # per-epoch means, summed left to right as plain Python does (NaN for an empty epoch)
        for k, epochs in loaded["tracker"].items():
            expected[f"tracker_mean/{k}"] = np.array([sum(v) / len(v) if v else float("nan") for v in epochs])
    np.savez(path + ".expected.npz", **expected)
    print(f"{name}: {os.path.getsize(path)} bytes, {len(expected)} expected arrays")


def authors_checkpoint():
    torch.manual_seed(2019)
    net = rm.SetNet("mnist", "dspn", 342, 8, 16, 10, 800.0)
    weights = net.state_dict()
    assert isinstance(weights, collections.OrderedDict) and hasattr(weights, "_metadata")
    assert weights["set_encoder.pool.weight"].data_ptr() == weights["set_decoder.encoder.pool.weight"].data_ptr()
    rng = np.random.default_rng(7)
    epochs = 3
    tracker = {k: [] for k in ["train_mae", "train_last", "train_loss", "test_mae", "test_last", "test_loss"]}
    for e in range(epochs):
        for k in tracker:
            tracker[k].append([])
        for _ in range(4):
            tracker["train_last"][-1].append(float(rng.random() / (e + 1)))
            tracker["train_loss"][-1].append(float(rng.random() / (e + 1)))
        for _ in range(2):
            tracker["test_last"][-1].append(float(rng.random() / (e + 1)))
            tracker["test_loss"][-1].append(float(rng.random() / (e + 1)))
    # vars(args) of train.py for scripts/mnist.sh's DSPN run, with small sizes and 3 epochs
    args = dict(name="dspn-mnist", resume=None, encoder="FSEncoder", decoder="DSPN", epochs=epochs, latent=8, dim=16,
                lr=0.01, batch_size=32, num_workers=4, dataset="mnist", no_cuda=False, train_only=False,
                eval_only=False, multi_gpu=False, show=True, supervised=False, baseline=False, export_dir=None,
                export_n=10 ** 9, export_progress=False, full_eval=False, mask_feature=True, inner_lr=800.0,
                iters=10, huber_repr=1.0, loss="chamfer")
    digest = hashlib.sha1(b"dspn4j synthetic authors-style checkpoint").hexdigest()
    return {"name": args["name"], "tracker": tracker, "weights": weights, "args": args,
            "hash": (digest + "\n").encode("ascii")}


def state_dict():
    sd = collections.OrderedDict()
    f = torch.tensor([1.5, -0.0, float("inf"), float("-inf"), 1e-45, 3.4028235e38, -2.5e-39, 0.1], dtype=torch.float32)
    bits = f.view(torch.int32).clone()
    bits[7] = 0x7FC12345  # a NaN with a payload
    sd["f32"] = bits.view(torch.float32).reshape(2, 4)
    sd["f64"] = torch.tensor([[0.1, -1e-310], [float("nan"), 2.0 ** 1000], [-0.0, 1.0 / 3]], dtype=torch.float64)
    sd["f16"] = torch.tensor([1.0, -2.5, 65504.0, 6e-8, float("inf"), -0.0, 0.333], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0, -2.5, 3.0e38, 1e-39, float("-inf"), 0.1], dtype=torch.bfloat16)
    sd["i64"] = torch.tensor([-2 ** 63, -1, 0, 2 ** 63 - 1, 123456789012], dtype=torch.int64)
    sd["i32"] = torch.tensor([[-2 ** 31, 2 ** 31 - 1], [7, -7]], dtype=torch.int32)
    sd["i16"] = torch.tensor([-32768, 32767, -1], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127, 0, -5], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 1, 128, 255], dtype=torch.uint8)
    sd["b"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.75, dtype=torch.float32)
    sd["num_batches_tracked"] = torch.tensor(41, dtype=torch.int64)
    sd["empty"] = torch.zeros(0, 3, dtype=torch.float32)
    return sd


def views():
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5) / 8
    flat = base.view(-1)
    d = collections.OrderedDict()
    d["base"] = base
    d["row"] = base[2]                        # offset 10
    d["col"] = base[:, 3]                     # offset 3, stride 5
    d["transposed"] = base.t()                # strides (1, 5)
    d["strided"] = base[::2, 1::2]            # offset 1, strides (10, 2)
    d["slice"] = flat[7:13]                   # offset 7
    d["expanded"] = torch.arange(3, dtype=torch.float64).expand(4, 3)  # stride (0, 1)
    d["windows"] = flat.as_strided((3, 4), (3, 1), 2)  # overlapping rows
    d["param"] = torch.nn.Parameter(torch.tensor([[0.5, -0.25]]))
    d["nested"] = [1, -2 ** 40, 2 ** 70, 2.5, "x", b"bytes", b"", None, True, False, (1, (2, "y")), {3, 4},
                   frozenset({5}), {"k": [1.0]}, bytearray(b"ab")]
    return d


class Evil:
    def __reduce__(self):
        return os.system, ("touch " + MARKER,)


def hostile(name, legacy):
    path = os.path.join(OUT, name)
    obj = {"weights": collections.OrderedDict(w=torch.ones(2)), "payload": Evil()}
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    if os.path.exists(MARKER):
        os.remove(MARKER)
    torch.load(path)  # an unrestricted unpickler runs the payload
    assert os.path.exists(MARKER), "the payload should run under torch.load"
    os.remove(MARKER)
    print(f"{name}: {os.path.getsize(path)} bytes (torch.load ran its payload)")


def with_args(checkpoint, **changes):
    """The authors' dict with some args changed (the weights, tracker, name and hash as they are)."""
    out = dict(checkpoint)
    out["args"] = dict(checkpoint["args"], **changes)
    return out


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=OUT, help="folder to write into (default: src/test/resources/torch)")
    ap.add_argument("only", nargs="*", metavar="NAME", help="write only these files")
    args = ap.parse_args()
    OUT, only = args.out, args.only
    known = ["authors_mnist_dspn_2019", "authors_mnist_dspn_zip", "authors_mnist_dspn_args_mismatch_zip",
             "authors_clevr_state_args_zip", "state_dict_legacy.pt", "state_dict_zip.pt",
             "state_dict_protocol4_legacy.pt", "state_dict_protocol5_zip.pt", "mnist_mlp_state_dict.pt",
             "views_legacy.pt", "views_zip.pt", "hostile_os_system_legacy.pt", "hostile_os_system_zip.pt"]
    unknown = sorted(set(only) - set(known))
    if unknown:
        ap.error(f"no such file: {', '.join(unknown)} (known: {', '.join(known)})")
    os.makedirs(OUT, exist_ok=True)
    authors = authors_checkpoint()
    sd = state_dict()
    v = views()
    files = [
        ("authors_mnist_dspn_2019", lambda n: write(n, authors, legacy=True, location="cuda:0", cuda_class=True)),
        ("authors_mnist_dspn_zip", lambda n: write(n, authors, legacy=False, location="cuda:0")),
        ("authors_mnist_dspn_args_mismatch_zip", lambda n: write(n, with_args(authors, dim=32), legacy=False, location="cuda:0")),
        ("authors_clevr_state_args_zip", lambda n: write(n, with_args(authors, dataset="clevr-state", encoder="RNFSEncoder",
                                                                      loss="hungarian", supervised=True, name="dspn-state"),
                                                           legacy=False, location="cuda:0")),
        ("state_dict_legacy.pt", lambda n: write(n, sd, legacy=True)),
        ("state_dict_zip.pt", lambda n: write(n, sd, legacy=False)),
        ("state_dict_protocol4_legacy.pt", lambda n: write(n, sd, legacy=True, protocol=4)),
        ("state_dict_protocol5_zip.pt", lambda n: write(n, sd, legacy=False, protocol=5)),
        ("mnist_mlp_state_dict.pt", lambda n: (torch.manual_seed(5), write(n, rm.SetNet("mnist", "mlp", 342, 8, 4, 10, 800.0)
                                                                           .state_dict(), legacy=False))),
        ("views_legacy.pt", lambda n: write(n, v, legacy=True)),
        ("views_zip.pt", lambda n: write(n, v, legacy=False)),
        ("hostile_os_system_legacy.pt", lambda n: hostile(n, legacy=True)),
        ("hostile_os_system_zip.pt", lambda n: hostile(n, legacy=False)),
    ]
    assert [n for n, _ in files] == known
    for name, make in files:
        if not only or name in only:
            make(name)


if __name__ == "__main__":
    main()
