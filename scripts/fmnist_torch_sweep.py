"""Fashion-MNIST DCGAN settings sweep in PyTorch (a research aid, not part of the product).

Why: dgan's DL4J DCGAN equals PyTorch's to 1e-6 (TorchReferenceTest), so a setting that gives recognizable garments in
PyTorch gives them in dgan too; on a GPU this script tries many settings in the time one DL4J run takes on 2 CPU cores.
It re-implements exactly what dgan trains: the DCGAN of GanModels (N(0, 0.02^2) weights, batch norm in G with batch
statistics also when sampling, none in D unless asked), the non-saturating BCE loss with G and D gradients taken at
the same point (simultaneous), and DP-OAdam as in docs (x^ = gossip(x); z = x^ - lr d_prev; g = grad(z); Adam
direction d; x = x^ - lr d) on a ring of M workers (M = 1 is CP-OAdam with the same total batch; one difference: dgan's
CP normalises each worker's own 32 images in G's batch norm, here all 128 at once). FID is computed on
the 128 penultimate features of the same small classifier dgan trains (conv3x3-32, pool, conv3x3-64, pool, dense 128).

  python3 scripts/fmnist_torch_sweep.py classifier DATA OUT          # trains OUT/classifier.pt
  python3 scripts/fmnist_torch_sweep.py run DATA OUT NAME [key=value ...]   # OUT/NAME.json, OUT/NAME-<it>.png
  scripts/fmnist_torch_sweep_run.sh DATA CONFIGS   # on a GPU machine: the classifier, then one run per line, in parallel
Keys: workers width gbn dbn sn opt(oadam|adam-sim|adam-alt) lrG lrD b1 b2 batch (per worker) iters evals (a-b-c)
loss (bce|hinge) seed rounds (gossip rounds per iteration) avgmom (gossip Adam moments too). FID is that of the network-average G, as in dgan.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEV = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def images(data, split):
    x = load_idx(os.path.join(data, split + "-images-idx3-ubyte.gz")).astype(np.float32) / 127.5 - 1
    y = load_idx(os.path.join(data, split + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1).to(DEV), torch.from_numpy(y).to(DEV)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, 1, 1),
                                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU())
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.body(x))


def train_classifier(data, out):
    torch.manual_seed(0)
    x, y = images(data, "train")
    tx, ty = images(data, "t10k")
    net = Classifier().to(DEV)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for epoch in range(int(os.environ.get("EPOCHS", "8"))):
        perm = torch.randperm(len(x), device=DEV)
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            xb = x[idx]
            flip = torch.rand(len(idx), device=DEV) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(net(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = (net(tx).argmax(1) == ty).float().mean().item()
        print("classifier epoch", epoch + 1, "test accuracy", round(acc, 4), flush=True)
    torch.save(net.state_dict(), os.path.join(out, "classifier.pt"))


def fid(a, b):
    """Frechet distance; tr sqrt(S1 S2) = sum of sqrt eigenvalues of S1^1/2 S2 S1^1/2 (symmetric, no scipy)."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    e, u = np.linalg.eigh(s1)
    r1 = (u * np.sqrt(np.clip(e, 0, None))) @ u.T
    tr = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr)


def generator(width, bn):
    layers = [nn.Linear(100, 7 * 7 * 2 * width), nn.Unflatten(1, (2 * width, 7, 7))]
    layers += [nn.BatchNorm2d(2 * width)] if bn else []
    layers += [nn.ReLU(), nn.ConvTranspose2d(2 * width, width, 4, 2, 1)]
    layers += [nn.BatchNorm2d(width)] if bn else []
    layers += [nn.ReLU(), nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(width, bn, sn):
    wrap = nn.utils.spectral_norm if sn else (lambda m: m)
    layers = [wrap(nn.Conv2d(1, width, 4, 2, 1)), nn.LeakyReLU(0.2), wrap(nn.Conv2d(width, 2 * width, 4, 2, 1))]
    layers += [nn.BatchNorm2d(2 * width)] if bn else []
    layers += [nn.LeakyReLU(0.2), nn.Flatten(), wrap(nn.Linear(7 * 7 * 2 * width, 1))]
    return nn.Sequential(*layers)


def init(net):
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            nn.init.normal_(w, 0, 0.02)
            nn.init.zeros_(m.bias)
    return net


class Worker:
    def __init__(self, c):
        self.G = init(generator(c["width"], c["gbn"])).to(DEV).train()
        self.D = init(discriminator(c["width"], c["dbn"], c["sn"])).to(DEV).train()
        self.groups = [(list(self.G.parameters()), c["lrG"]), (list(self.D.parameters()), c["lrD"])]
        self.state = {p: [torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p)]
                      for ps, _ in self.groups for p in ps}
        self.s = 0


def losses(c, w, real, z):
    fake = w.G(z)
    s_fake = w.D(fake)
    if c["loss"] == "hinge":
        loss_g = -s_fake.mean()
        loss_d = F.relu(1 - w.D(real)).mean() + F.relu(1 + w.D(fake.detach())).mean()
    else:
        loss_g = F.softplus(-s_fake).mean()
        loss_d = F.softplus(-w.D(real)).mean() + F.softplus(w.D(fake.detach())).mean()
    return loss_g, loss_d


def grads(c, w, real, z):
    loss_g, loss_d = losses(c, w, real, z)
    gg = torch.autograd.grad(loss_g, list(w.G.parameters()), retain_graph=True)
    gd = torch.autograd.grad(loss_d, list(w.D.parameters()))
    for p, g in zip(list(w.G.parameters()) + list(w.D.parameters()), gg + gd):
        p.grad = g
    return loss_g.item(), loss_d.item()


@torch.no_grad()
def adam(c, w, update, groups=None):
    """One Adam direction per parameter into state[p][2] (d); update: x += lr (d_prev - d). Step count per call."""
    w.s += 1
    c1, c2 = 1 / (1 - c["b1"] ** w.s), 1 / (1 - c["b2"] ** w.s)
    for ps, lr in (groups or w.groups):
        for p in ps:
            m, v, d = w.state[p]
            m.mul_(c["b1"]).add_(p.grad, alpha=1 - c["b1"])
            v.mul_(c["b2"]).addcmul_(p.grad, p.grad, value=1 - c["b2"])
            new = (m * c1) / ((v * c2).sqrt() + 1e-8)
            if update:
                p.add_(lr * (d - new))  # x = z + lr d_prev - lr d
            d.copy_(new)


@torch.no_grad()
def extrapolate(w):
    for ps, lr in w.groups:
        for p in ps:
            p.sub_(lr * w.state[p][2])


@torch.no_grad()
def gossip(workers, moments=False):
    """Ring, W = 1/3 on self and both neighbours (M = 2: 1/2 each); moments: Adam's m and v too (dgan's
    averageMoments flag)."""
    m = len(workers)
    if m == 1:
        return
    lists = [[p for ps, _ in w.groups for p in ps] for w in workers]
    if moments:
        lists = [ps + [w.state[p][k] for p in ps for k in (0, 1)] for ps, w in zip(lists, workers)]
    for j in range(len(lists[0])):
        stack = torch.stack([ps[j] for ps in lists])
        mixed = (stack + stack.roll(1, 0)) / 2 if m == 2 else (stack + stack.roll(1, 0) + stack.roll(-1, 0)) / 3
        for i, ps in enumerate(lists):
            ps[j].copy_(mixed[i])


@torch.no_grad()
def average(workers):
    """The network-average model (dgan evaluates it): a copy of worker 0 holding the mean of every parameter."""
    if len(workers) == 1:
        return workers[0]
    import copy
    avg = copy.copy(workers[0])
    avg.G = copy.deepcopy(workers[0].G)
    for j, p in enumerate(avg.G.parameters()):
        p.copy_(torch.stack([list(w.G.parameters())[j] for w in workers]).mean(0))
    return avg


def plain_step(c, w, real, z):
    """adam-sim: Adam on both players from one point; adam-alt: D step, then G step through the updated D."""
    if c["opt"] == "adam-sim":
        out = grads(c, w, real, z)
        adam(c, w, False)
        with torch.no_grad():
            for ps, lr in w.groups:
                for p in ps:
                    p.sub_(lr * w.state[p][2])
        return out
    _, loss_d = losses(c, w, real, z)
    gd = torch.autograd.grad(loss_d, list(w.D.parameters()))
    for p, g in zip(w.D.parameters(), gd):
        p.grad = g
    adam(c, w, False, [w.groups[1]])
    w.s -= 1  # one step count for the pair
    with torch.no_grad():
        for p in w.D.parameters():
            p.sub_(c["lrD"] * w.state[p][2])
    loss_g, _ = losses(c, w, real, z)
    gg = torch.autograd.grad(loss_g, list(w.G.parameters()))
    for p, g in zip(w.G.parameters(), gg):
        p.grad = g
    adam(c, w, False, [w.groups[0]])
    with torch.no_grad():
        for p in w.G.parameters():
            p.sub_(c["lrG"] * w.state[p][2])
    return loss_g.item(), loss_d.item()


def save_grid(x, path):
    from PIL import Image
    x = ((x[:64].clamp(-1, 1) + 1) * 127.5).round().byte().cpu().numpy()[:, 0]
    grid = np.zeros((8 * 30 + 2, 8 * 30 + 2), np.uint8) + 40
    for k in range(len(x)):
        r, q = divmod(k, 8)
        grid[2 + 30 * r:30 + 30 * r, 2 + 30 * q:30 + 30 * q] = x[k]
    Image.fromarray(grid).resize((2 * grid.shape[1], 2 * grid.shape[0]), Image.NEAREST).save(path)


@torch.no_grad()
def evaluate(w, clf, test_features, seed):
    gen = torch.Generator(device=DEV).manual_seed(seed)
    xs = [w.G(torch.randn(500, 100, device=DEV, generator=gen)) for _ in range(10)]
    x = torch.cat(xs)
    feats = clf.body(x).double().cpu().numpy()
    return fid(feats, test_features), x


def run(data, out, name, args):
    c = dict(workers=4, width=32, gbn=True, dbn=False, sn=False, opt="oadam", lrG=2e-4, lrD=2e-4, b1=0.5, b2=0.999,
             batch=32, iters=1500, evals="500-1500", loss="bce", seed=0, rounds=1, avgmom=False)
    for a in args:
        k, v = a.split("=", 1)
        c[k] = type(c[k])(v) if not isinstance(c[k], bool) else v in ("1", "true", "True")
    torch.manual_seed(c["seed"])
    x, _ = images(data, "train")
    tx, _ = images(data, "t10k")
    clf = Classifier().to(DEV)
    clf.load_state_dict(torch.load(os.path.join(out, "classifier.pt"), map_location=DEV))
    clf.eval()
    with torch.no_grad():
        test_features = clf.body(tx).double().cpu().numpy()
    m = c["workers"]
    shards = torch.randperm(len(x), device=DEV).chunk(m)
    workers = [Worker(c) for _ in range(m)]
    for w in workers[1:]:  # every worker starts from the same point, as in dgan
        for (ps, _), (qs, _) in zip(w.groups, workers[0].groups):
            for p, q in zip(ps, qs):
                p.data.copy_(q.data)
    evals = [int(e) for e in c["evals"].split("-")]
    record = {"name": name, "config": c, "fid": {}, "loss": {}}
    t0 = time.time()
    if c["opt"] == "oadam":
        for w, shard in zip(workers, shards):  # initial direction d_0 from the gradient at x_0
            grads(c, w, x[shard[torch.randint(len(shard), (c["batch"],), device=DEV)]],
                  torch.randn(c["batch"], 100, device=DEV))
            adam(c, w, False)
    for it in range(1, c["iters"] + 1):
        if c["opt"] == "oadam":
            for _ in range(c["rounds"]):
                gossip(workers, c["avgmom"])
        for w, shard in zip(workers, shards):
            real = x[shard[torch.randint(len(shard), (c["batch"],), device=DEV)]]
            z = torch.randn(c["batch"], 100, device=DEV)
            if c["opt"] == "oadam":
                extrapolate(w)
                lg, ld = grads(c, w, real, z)
                adam(c, w, True)
            else:
                lg, ld = plain_step(c, w, real, z)
        if it % 100 == 0:
            record["loss"][it] = [lg, ld]
        if it in evals:
            score, samples = evaluate(average(workers), clf, test_features, 12345)  # what dgan evaluates
            record["fid"][it] = score
            if m > 1:
                record.setdefault("fidWorker0", {})[it] = evaluate(workers[0], clf, test_features, 12345)[0]
            save_grid(samples, os.path.join(out, "%s-%d.png" % (name, it)))
            with open(os.path.join(out, name + ".json"), "w") as f:
                json.dump(record, f)
            print("%s it %d FID %.1f lossG %.3f lossD %.3f (%.0f s)" % (name, it, score, lg, ld, time.time() - t0),
                  flush=True)
    record["seconds"] = time.time() - t0
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    torch.backends.cudnn.benchmark = True
    if sys.argv[1] == "classifier":
        train_classifier(sys.argv[2], sys.argv[3])
    else:
        run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
