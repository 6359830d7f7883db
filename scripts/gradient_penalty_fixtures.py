"""Reference gradients of the critic penalties, by PyTorch double back-propagation (test fixtures for dgan).

  python3 scripts/gradient_penalty_fixtures.py gan/src/test/resources/penalty

For every shipped critic (mlp, dcgan-small, resnet-wgan-gp at width 16), with and without spectral norm, at
initialisation and after 100 WGAN-GP training steps (Adam, trained here in PyTorch, same architecture), it writes one
file <critic>[+sn]-<init|trained>.bin holding: the critic's parameters (float32, dgan's names and layouts), the
spectral-norm vectors u before the step's power iteration, a batch of 64 inputs x^ (interpolates between data and
the generator's samples), and, computed in float64 from exactly those float32 values:
  gp.value, gp.grad/<param>   P = 10 * mean_i (||grad_x D(x^_i)|| - 1)^2     (WGAN-GP, at the interpolates)
  r1.value, r1.grad/<param>   P = 10 / 2 * mean_i ||grad_x D(x^_i)||^2      (R1/R2: the same function of the points)
Gradients are with respect to the raw weights (spectral norm: W / sigma with u, v held constant, one power-iteration
step from the stored u, as dgan's SpectralNorm does). The networks mirror GanModels: dense weights are stored as
PyTorch's [out, in] (which is DL4J's [in, out] 'f'-order memory), convolution weights as [out, in, kh, kw].

File format (little-endian): b"DGANFIX1", int32 count, then per tensor: int16 name length, UTF-8 name, int8 rank,
int32 dims, float32 values in C order.
"""
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

BATCH = 64
LAMBDA = 10.0
R_WEIGHT = 10.0


class Net:
    """A critic as an ordered list of named parameters plus a forward function over a parameter dict."""

    def __init__(self, kind, spectral):
        self.kind = kind
        self.spectral = spectral
        self.params = {}  # name -> tensor (dgan order)
        g = torch.Generator().manual_seed({"mlp": 1, "dcgan-small": 2, "resnet16": 3}[kind] + (10 if spectral else 0))
        if kind == "mlp":
            self.shape = (2,)
            self.dense("0", 2, 128, g)
            self.dense("1", 128, 128, g)
            self.dense("2", 128, 1, g)
        elif kind == "dcgan-small":
            self.shape = (1, 28, 28)
            self.conv("0", 1, 32, 4, g, std=0.02)
            self.conv("1", 32, 64, 4, g, std=0.02)
            self.dense("2", 64 * 7 * 7, 1, g, std=0.02)
        else:
            self.shape = (1, 28, 28)
            w = 16
            self.conv("L0_conv1", 1, w, 3, g, he=True)
            self.conv("L0_conv2", w, w, 3, g, he=True)
            self.conv("L0_sconv", 1, w, 1, g)
            self.conv("L1_conv1", w, w, 3, g, he=True)
            self.conv("L1_conv2", w, w, 3, g, he=True)
            self.conv("L1_sconv", w, w, 1, g)
            for b in ("L2", "L3"):
                self.conv(b + "_conv1", w, w, 3, g, he=True)
                self.conv(b + "_conv2", w, w, 3, g, he=True)
            self.dense("L6", w, 1, g)
        self.u = {}
        if spectral:
            for name, t in self.params.items():
                if name.endswith(".W"):
                    u = torch.randn(t.shape[0], generator=g, dtype=torch.float64)
                    self.u[name] = (u / u.norm()).float()

    def dense(self, name, n_in, n_out, g, std=0.0):
        s = std if std > 0 else (2.0 / (n_in + n_out)) ** 0.5
        self.params[name + ".W"] = (torch.randn(n_out, n_in, generator=g) * s).float()
        self.params[name + ".b"] = torch.zeros(n_out)

    def conv(self, name, c_in, c_out, k, g, std=0.0, he=False):
        fan_in, fan_out = c_in * k * k, c_out * k * k
        s = std if std > 0 else ((2.0 / fan_in) ** 0.5 if he else (2.0 / (fan_in + fan_out)) ** 0.5)
        self.params[name + ".b"] = torch.zeros(c_out)
        self.params[name + ".W"] = (torch.randn(c_out, c_in, k, k, generator=g) * s).float()

    def effective(self, p):
        """Weights the network computes with: W / sigma(W) under spectral norm (u, v constant), else p itself."""
        if not self.spectral:
            return p
        out = dict(p)
        for name, u in self.u.items():
            w = p[name]
            m = w.reshape(w.shape[0], -1)
            with torch.no_grad():
                uu = u.to(m.dtype)
                v = m.t() @ uu
                v = v / torch.clamp(v.norm(), min=1e-30)
                wv = m @ v
                u2 = wv / torch.clamp(wv.norm(), min=1e-30)
            sigma = u2 @ (m @ v)
            out[name] = w / sigma
        return out

    def forward(self, p, x):
        p = self.effective(p)
        if self.kind == "mlp":
            h = F.leaky_relu(x @ p["0.W"].t() + p["0.b"], 0.2)
            h = F.leaky_relu(h @ p["1.W"].t() + p["1.b"], 0.2)
            return h @ p["2.W"].t() + p["2.b"]
        if self.kind == "dcgan-small":
            h = F.leaky_relu(F.conv2d(x, p["0.W"], p["0.b"], stride=2, padding=1), 0.2)
            h = F.leaky_relu(F.conv2d(h, p["1.W"], p["1.b"], stride=2, padding=1), 0.2)
            return h.flatten(1) @ p["2.W"].t() + p["2.b"]

        def c(name, h):
            w = p[name + ".W"]
            return F.conv2d(h, w, p[name + ".b"], padding=w.shape[-1] // 2)

        # first block: conv, ReLU, conv, mean pool; shortcut mean pool + conv 1x1
        h = F.avg_pool2d(c("L0_conv2", F.relu(c("L0_conv1", x))), 2) + c("L0_sconv", F.avg_pool2d(x, 2))
        # down block: ReLU, conv (ReLU), conv, mean pool; shortcut mean pool + conv 1x1
        h = F.avg_pool2d(c("L1_conv2", F.relu(c("L1_conv1", F.relu(h)))), 2) + c("L1_sconv", F.avg_pool2d(h, 2))
        for b in ("L2", "L3"):
            h = c(b + "_conv2", F.relu(c(b + "_conv1", F.relu(h)))) + h
        h = F.relu(h).mean(dim=(2, 3))
        return h @ p["L6.W"].t() + p["L6.b"]


def data(kind, n, g):
    """Real samples: an 8-Gaussian ring (mlp) or smooth random blobs in [-1, 1] (images)."""
    if kind == "mlp":
        k = torch.randint(0, 8, (n,), generator=g).double()
        centres = torch.stack([torch.cos(k * np.pi / 4), torch.sin(k * np.pi / 4)], 1) * 2
        return (centres + 0.02 * torch.randn(n, 2, generator=g, dtype=torch.float64)).float()
    z = torch.randn(n, 1, 7, 7, generator=g)
    return torch.tanh(2 * F.interpolate(z, size=(28, 28), mode="bilinear", align_corners=False))


class Generator(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        out = 2 if kind == "mlp" else 28 * 28
        self.body = torch.nn.Sequential(torch.nn.Linear(16, 128), torch.nn.ReLU(), torch.nn.Linear(128, out))

    def forward(self, z):
        h = self.body(z)
        return h if self.kind == "mlp" else torch.tanh(h).reshape(-1, 1, 28, 28)


def penalties(net, p32, x32):
    """(gp value, gp grads, r1 value, r1 grads) in float64 by double back-propagation."""
    p = {k: v.double().clone().requires_grad_(True) for k, v in p32.items()}
    x = x32.double().clone().requires_grad_(True)
    out = net.forward(p, x).sum()
    g = torch.autograd.grad(out, x, create_graph=True)[0].flatten(1)
    n = g.norm(dim=1)
    gp = LAMBDA * ((n - 1) ** 2).mean()
    r1 = R_WEIGHT / 2 * (n ** 2).mean()
    names = list(p)
    gp_grad = torch.autograd.grad(gp, [p[k] for k in names], retain_graph=True, allow_unused=True)
    r1_grad = torch.autograd.grad(r1, [p[k] for k in names], allow_unused=True)
    z = lambda t, k: torch.zeros_like(p[k]) if t is None else t
    return (gp.item(), {k: z(t, k) for k, t in zip(names, gp_grad)},
            r1.item(), {k: z(t, k) for k, t in zip(names, r1_grad)}, n)


def interpolates(net, gen, g):
    real = data(net.kind, BATCH, g)
    with torch.no_grad():
        fake = gen(torch.randn(BATCH, 16, generator=g))
    u = torch.rand(BATCH, *([1] * len(net.shape)), generator=g)
    return (u * real + (1 - u) * fake).float()


def train(net, gen, g, steps=100):
    """WGAN-GP, simultaneous Adam steps (lr 1e-4, betas 0.5/0.9), float32: the 'after 100 steps' weights."""
    p = {k: v.clone().requires_grad_(True) for k, v in net.params.items()}
    opt_d = torch.optim.Adam(list(p.values()), lr=1e-4, betas=(0.5, 0.9))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.9))
    for _ in range(steps):
        real = data(net.kind, BATCH, g)
        fake = gen(torch.randn(BATCH, 16, generator=g))
        u = torch.rand(BATCH, *([1] * len(net.shape)), generator=g)
        xh = (u * real + (1 - u) * fake.detach()).requires_grad_(True)
        gx = torch.autograd.grad(net.forward(p, xh).sum(), xh, create_graph=True)[0].flatten(1)
        loss_d = net.forward(p, fake.detach()).mean() - net.forward(p, real).mean() \
            + LAMBDA * ((gx.norm(dim=1) - 1) ** 2).mean()
        loss_g = -net.forward(p, fake).mean()
        opt_d.zero_grad()
        opt_g.zero_grad()
        gd = torch.autograd.grad(loss_d, list(p.values()))
        loss_g.backward()
        for t, gr in zip(p.values(), gd):
            t.grad = gr
        if net.spectral:  # this step's power iteration (the one effective() used) persists, as in dgan
            with torch.no_grad():
                for name, u0 in net.u.items():
                    m = p[name].reshape(p[name].shape[0], -1)
                    v = m.t() @ u0
                    v = v / v.norm()
                    wv = m @ v
                    net.u[name] = (wv / wv.norm()).float()
        opt_d.step()
        opt_g.step()
    net.params = {k: v.detach().float() for k, v in p.items()}


def write(path, tensors):
    with open(path, "wb") as f:
        f.write(b"DGANFIX1")
        f.write(struct.pack("<i", len(tensors)))
        for name, t in tensors.items():
            a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
            nb = name.encode()
            f.write(struct.pack("<h", len(nb)) + nb + struct.pack("<b", a.ndim))
            f.write(struct.pack("<%di" % a.ndim, *a.shape))
            f.write(a.tobytes())


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for kind in ("mlp", "dcgan-small", "resnet16"):
        for spectral in (False, True):
            net = Net(kind, spectral)
            g = torch.Generator().manual_seed(100 + len(kind) + (7 if spectral else 0))
            torch.manual_seed(len(kind))
            gen = Generator(kind)
            for stage in ("init", "trained"):
                if stage == "trained":
                    train(net, gen, g)
                x = interpolates(net, gen, g)
                gp, gp_grad, r1, r1_grad, norms = penalties(net, net.params, x)
                t = {"x": x, "gp.value": torch.tensor(gp), "r1.value": torch.tensor(r1)}
                for k, v in net.params.items():
                    t["param/" + k] = v
                for k, v in net.u.items():
                    t["sn.u/" + k] = v
                for k, v in gp_grad.items():
                    t["gp.grad/" + k] = v
                for k, v in r1_grad.items():
                    t["r1.grad/" + k] = v
                name = "%s%s-%s.bin" % (kind, "+sn" if spectral else "", stage)
                write(os.path.join(out, name), t)
                print("%-28s gp %.6g  r1 %.6g  |g| %.3f..%.3f" % (name, gp, r1, norms.min(), norms.max()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "gan/src/test/resources/penalty")
