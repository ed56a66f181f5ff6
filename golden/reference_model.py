"""An independent PyTorch implementation of DSPN and its baselines, following the behaviour described
in docs/reference-behaviour.md (not taken from the authors' code), for golden outputs and speed
comparisons. Parameter names follow the authors' state_dict so weights can move between this model,
the authors' and dspn4j.

Works on Debian's python3-torch 1.13 (CPU) and on recent PyTorch (CUDA too).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment


class FSPool(nn.Module):
    """Featurewise sort pooling over all N slots (no sizes), ratios j/(N-1) in the model's dtype
    unless float32_ratios (the authors' rounding)."""

    def __init__(self, channels, pieces=20, float32_ratios=False):
        super().__init__()
        self.pieces = pieces
        self.float32_ratios = float32_ratios
        self.weight = nn.Parameter(torch.randn(channels, pieces + 1))

    def coefficients(self, n, dtype, device):
        k = self.pieces
        rdt = torch.float32 if self.float32_ratios else dtype
        r = torch.arange(n, dtype=rdt, device=device) / max(n - 1, 1)
        u = (k * r.clamp(max=1)).to(rdt)
        i = u.floor().long()
        frac = u - i.to(rdt)
        coef = torch.zeros(k + 1, n, dtype=dtype, device=device)
        cols = torch.arange(n, device=device)
        coef.index_put_((i, cols), (1 - frac).to(dtype), accumulate=True)
        coef.index_put_(((i + 1).clamp(max=k), cols), frac.to(dtype), accumulate=True)
        return coef

    def forward(self, x):
        w = self.weight @ self.coefficients(x.size(2), x.dtype, x.device)  # (C, N)
        s = torch.sort(x, dim=2, descending=True).values
        return (s * w).sum(dim=2)


class FSEncoder(nn.Module):
    def __init__(self, c, latent, hidden, float32_ratios=False):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(c + 1, hidden, 1), nn.ReLU(), nn.Conv1d(hidden, hidden, 1), nn.ReLU(),
                                  nn.Conv1d(hidden, latent, 1))
        self.pool = FSPool(latent, 20, float32_ratios)

    def forward(self, s, m):
        x = torch.cat([s, m.unsqueeze(1)], 1)
        x = self.conv(x) / s.size(2)
        return self.pool(x)


class RNFSEncoder(nn.Module):
    def __init__(self, c, latent, hidden, float32_ratios=False):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2 * c + 2, hidden, 1), nn.ReLU(), nn.Conv2d(hidden, latent, 1))
        self.lin = nn.Linear(hidden, latent)
        self.pool = FSPool(latent, 20, float32_ratios)

    def forward(self, s, m):
        x = torch.cat([s, m.unsqueeze(1)], 1)
        n = x.size(2)
        xi = x.unsqueeze(3).expand(-1, -1, -1, n)
        xj = x.unsqueeze(2).expand(-1, -1, n, -1)
        x = self.conv(torch.cat([xi, xj], 1))
        x = x.reshape(x.size(0), x.size(1), -1) / n / n
        return self.pool(x)


class DSPN(nn.Module):
    def __init__(self, encoder, c, n, iters, lr):
        super().__init__()
        self.starting_set = nn.Parameter(torch.rand(1, c, n))
        self.starting_mask = nn.Parameter(0.5 * torch.ones(1, n))
        self.encoder = encoder
        self.iters = iters
        self.lr = lr

    def forward(self, z):
        b = z.size(0)
        s = self.starting_set.expand(b, -1, -1)
        m = self.starting_mask.expand(b, -1).clamp(0, 1)
        sets, masks, losses = [s], [m], []
        with torch.enable_grad():  # the decoder needs gradients even at inference
            for _ in range(self.iters):
                if not self.training:
                    s = s.detach().requires_grad_()
                    m = m.detach().requires_grad_()
                loss = F.smooth_l1_loss(self.encoder(s, m), z, reduction="mean")
                gs, gm = torch.autograd.grad(loss, [s, m], create_graph=self.training)
                s = s - self.lr * gs
                m = (m - self.lr * gm).clamp(0, 1)
                sets.append(s)
                masks.append(m)
                losses.append(loss)
        return sets, masks, losses


class MLPDecoder(nn.Module):
    def __init__(self, latent, c, n, hidden, plus1=False):
        super().__init__()
        self.c, self.n, self.plus1 = c, n, plus1
        self.model = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                   nn.Linear(hidden, (c + 1) * n))

    def forward(self, z):
        x = self.model(z).view(z.size(0), self.c + 1, self.n)
        m = x[:, -1] + 1 if self.plus1 else x[:, -1]
        return [x[:, :-1]], [m], []


class RNNDecoder(nn.Module):
    def __init__(self, latent, c, n, hidden, plus1=False):
        super().__init__()
        self.n, self.hidden, self.plus1 = n, hidden, plus1
        self.lin = nn.Linear(latent, hidden)
        self.model = nn.LSTM(1, hidden, 1)
        self.out = nn.Conv1d(hidden, c + 1, 1)

    def forward(self, z):
        c0 = self.lin(z).unsqueeze(0)
        h0 = torch.zeros_like(c0)
        inp = torch.zeros(self.n, z.size(0), 1, dtype=z.dtype, device=z.device)
        h, _ = self.model(inp, (h0, c0))
        x = self.out(h.permute(1, 2, 0))
        m = x[:, -1] + 1 if self.plus1 else x[:, -1]
        return [x[:, :-1]], [m], []


def xavier_init(module):
    for mod in module.modules():
        if isinstance(mod, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.xavier_uniform_(mod.weight)
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)


class SetNet(nn.Module):
    """set_encoder, optional input_encoder, set_decoder — in the authors' registration order."""

    def __init__(self, task, decoder, n, latent, hidden, iters, lr, plus1=False, float32_ratios=False,
                 input_encoder=None):
        super().__init__()
        c = {"mnist": 2, "clevr-box": 4, "clevr-state": 18}[task]
        enc = FSEncoder if task == "mnist" else RNFSEncoder
        self.task = task
        self.set_encoder = enc(c, latent, hidden, float32_ratios)
        self.input_encoder = input_encoder
        if decoder == "dspn":
            self.set_decoder = DSPN(self.set_encoder, c, n, iters, lr)
        elif decoder == "mlp":
            self.set_decoder = MLPDecoder(latent, c, n, hidden, plus1)
        else:
            self.set_decoder = RNNDecoder(latent, c, n, hidden, plus1)
        self.decoder = decoder
        xavier_init(self)

    def forward(self, images, target_set, target_mask):
        if self.input_encoder is None:
            z = self.set_encoder(target_set, target_mask)
            target = z
        else:
            z = self.input_encoder(images)
            target = self.set_encoder(target_set, target_mask)
        return self.set_decoder(z), target, z


def pairwise_cost(pred, target):
    """(.., C', N), (.., C', M) -> (.., N, M): mean over channels of elementwise Huber."""
    d = pred.unsqueeze(-1) - target.unsqueeze(-2)
    return F.smooth_l1_loss(d, torch.zeros_like(d), reduction="none").mean(-3)


def chamfer(pred, target):
    cost = pairwise_cost(pred, target)
    per_slot = cost.min(-2).values + cost.min(-1).values
    return per_slot.mean(dim=(-2, -1))


def hungarian(pred, target):
    cost = pairwise_cost(pred, target)
    losses = []
    for b in range(cost.size(0)):
        rows, cols = linear_sum_assignment(cost[b].detach().cpu().numpy())
        losses.append(cost[b][rows, cols].mean())
    return torch.stack(losses).mean()


def outer_loss(net, out, target_set, target_mask, lam=0.1, hungarian_all=False):
    (sets, masks, _), target_repr, z = out
    target = torch.cat([target_set, target_mask.unsqueeze(1)], 1)
    preds = [torch.cat([s, m.unsqueeze(1)], 1) for s, m in zip(sets, masks)]
    if net.task == "mnist":
        per_step = chamfer(torch.stack(preds), target.unsqueeze(0))
    else:
        chosen = preds if hungarian_all else preds[-1:]
        per_step = torch.stack([hungarian(p, target) for p in chosen])
    loss = per_step.mean()
    repr_loss = None
    if net.task != "mnist" and net.decoder == "dspn":
        repr_loss = lam * F.smooth_l1_loss(target_repr, z)
        loss = loss + repr_loss
    return loss, per_step, repr_loss
