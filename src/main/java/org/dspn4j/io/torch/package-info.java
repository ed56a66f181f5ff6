/**
 * Reading {@code torch.save} files in plain Java, safely: the authors' released logs
 * ({@code {"name", "tracker", "weights", "args", "hash"}}) and bare {@code state_dict}s, in the
 * legacy layout (PyTorch before 1.6) and the zip layout (1.6 and later).
 *
 * <p>Entry point: {@link org.dspn4j.io.torch.TorchCheckpoint}. The pickle inside is read by a
 * restricted unpickler that knows a fixed list of globals (tensors, storages, OrderedDict, a few
 * builtins) as data transformations; nothing from the file is ever executed or instantiated by
 * name, and any other global is refused by name. Lengths and sizes are checked against the file
 * before anything is allocated; recursion depth, stack, marks and memo are bounded. Every problem is
 * a one-line {@link org.dspn4j.io.torch.TorchFormatException} naming the file.
 */
package org.dspn4j.io.torch;
