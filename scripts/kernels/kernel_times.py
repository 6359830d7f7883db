"""The DCGAN step's kernels (batch 64, 28x28) in PyTorch, each timed alone: the pair of KernelTimes.java.
Forward without autograd's bookkeeping; backward = autograd of the one op (input, weight and bias gradients). Median ms over the timed calls.
  python kernel_times.py [calls]"""
import json, sys, time
import torch
import torch.nn.functional as F

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 50
torch.set_num_threads(2)
torch.manual_seed(0)
b = 64


def rand(*s):
    return (torch.rand(*s) - 0.5).requires_grad_(True)


def timed(f):
    for _ in range(10):
        f()
    t = []
    for _ in range(calls):
        s = time.perf_counter()
        f()
        t.append((time.perf_counter() - s) * 1000)
    return sorted(t)[calls // 2]


def report(name, op, out_shape, *inputs):
    go = torch.rand(*out_shape) - 0.5
    with torch.no_grad():
        fwd = timed(lambda: op(*inputs))
    out = op(*inputs)  # one graph, back-propagated through again and again (gradients accumulate)
    bwd = timed(lambda: torch.autograd.backward(out, go, retain_graph=True))
    print(json.dumps({"kernel": name, "forwardMs": round(fwd, 3), "backwardMs": round(bwd, 3)}))


def conv(name, ci, h, co):
    report(name, lambda x, w, bb: F.conv2d(x, w, bb, 2, 1), (b, co, h // 2, h // 2), rand(b, ci, h, h), rand(co, ci, 4, 4), rand(co))


def deconv(name, ci, h, co):
    report(name, lambda x, w, bb: F.conv_transpose2d(x, w, bb, 2, 1), (b, co, 2 * h, 2 * h), rand(b, ci, h, h), rand(ci, co, 4, 4), rand(co))


def bn(name, c, h):
    g = (torch.rand(c) + 0.5).requires_grad_(True)
    report(name, lambda x, gg, bb: F.batch_norm(x, None, None, gg, bb, True, 0.1, 1e-5), (b, c, h, h), rand(b, c, h, h), g, rand(c))


def dense(name, i, o):
    report(name, lambda x, w, bb: F.linear(x, w, bb), (b, o), rand(b, i), rand(o, i), rand(o))


conv("D conv1 1->64 28->14", 1, 28, 64)
conv("D conv2 64->128 14->7", 64, 14, 128)
deconv("G deconv1 128->64 7->14", 128, 7, 64)
deconv("G deconv2 64->1 14->28", 64, 14, 1)
bn("G batchnorm 128x7x7", 128, 7)
bn("G batchnorm 64x14x14", 64, 14)
dense("G dense 100->6272", 100, 6272)
dense("D dense 6272->1", 6272, 1)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available()}))
