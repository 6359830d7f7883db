# Generates dcgan-torch-reference.txt (gan/src/test/resources/io/dgan/model/) for TorchReferenceTest: the DCGAN pair
# (width 4, batch-norm generator) in PyTorch (float64) with deterministic parameters, its outputs and the projections
# of its parameter gradients. Run in that folder: python3 ../../../../../python/dcgan_torch_reference.py (torch 1.13).
import math, torch, torch.nn as nn
torch.set_default_dtype(torch.float64)
w = 4
G = nn.Sequential(nn.Linear(100, 7 * 7 * 2 * w), nn.Unflatten(1, (2 * w, 7, 7)), nn.BatchNorm2d(2 * w), nn.ReLU(),
                  nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
                  nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Flatten(), nn.Linear(7 * 7 * 2 * w, 1))
def f(t, k): return 0.1 * math.sin(0.37 * k + 1.3 * t)
def h(k): return math.cos(0.11 * k)
out = []
for who, net in (("G", G), ("D", D)):
    with torch.no_grad():
        for t, (name, p) in enumerate(net.named_parameters()):
            flat = torch.tensor([f(t, k) for k in range(p.numel())])
            if name.endswith("weight") and p.dim() == 1:  # BN gamma
                flat = 1 + flat
            p.copy_(flat.reshape(p.shape))
z = torch.tensor([[1.5 * math.sin(0.1 * (i * 100 + j) + 0.5) for j in range(100)] for i in range(3)])
x = G(z)
s = D(x)
s.sum().backward()
out.append("x " + " ".join("%.9g" % v for v in x.detach().flatten().tolist()))
out.append("s " + " ".join("%.9g" % v for v in s.detach().flatten().tolist()))
for who, net in (("G", G), ("D", D)):
    for t, (name, p) in enumerate(net.named_parameters()):
        g = p.grad.flatten().tolist()
        out.append("grad%s %d %s %d %.9g" % (who, t, name, len(g), sum(h(k) * v for k, v in enumerate(g))))
open("dcgan-torch-reference.txt", "w").write("\n".join(out) + "\n")
