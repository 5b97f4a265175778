"""The reference student and recipe of bench/train.ts in PyTorch, for `npm run bench:train -- --compare-torch`.

MobileNetV2-style student (stem 16; blocks (in, out, stride, t) = (16,8,1,1), (8,16,2,6), (16,16,1,6), (16,24,2,6),
(24,24,1,6), (24,32,1,6), (32,48,2,6), (48,48,1,6); head 128; BatchNorm after every conv, ReLU6 after all but the
projection; 86.7 k parameters with 1 input channel, K = 2), KD loss (T = 4, alpha = 0.1), Adam 1e-3, batch 64,
on random 28x28 inputs (speed only). Prints `images_per_second=…` measured after 3 warm-up steps.
Usage: /usr/bin/python3 bench/train_torch.py --threads 1 --batch 64 --steps 20
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k, stride, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        h = cin * t
        layers = [] if t == 1 else [conv_bn(cin, h, 1, 1)]
        layers += [conv_bn(h, h, 3, stride, groups=h), conv_bn(h, cout, 1, 1, act=False)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class Student(nn.Module):
    def __init__(self, channels=1, classes=2):
        super().__init__()
        spec = [(16, 8, 1, 1), (8, 16, 2, 6), (16, 16, 1, 6), (16, 24, 2, 6), (24, 24, 1, 6), (24, 32, 1, 6), (32, 48, 2, 6), (48, 48, 1, 6)]
        self.stem = conv_bn(channels, 16, 3, 1)
        self.blocks = nn.Sequential(*[Block(*s) for s in spec])
        self.head = conv_bn(48, 128, 1, 1)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        return self.fc(self.head(self.blocks(self.stem(x))).mean((2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--steps', type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Student()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randn(a.batch, 1, 28, 28)
    y = torch.randint(0, 2, (a.batch,))
    t = torch.randn(a.batch, 2)
    T, alpha = 4.0, 0.1
    model.train()
    start = None
    for step in range(a.steps + 3):
        if step == 3:
            start = time.perf_counter()
        logits = model(x)
        kl = F.kl_div(F.log_softmax(logits / T, 1), F.log_softmax(t / T, 1), reduction='batchmean', log_target=True)
        loss = alpha * F.cross_entropy(logits, y) + (1 - alpha) * T * T * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f'images_per_second={a.steps * a.batch / (time.perf_counter() - start):.1f}')


if __name__ == '__main__':
    main()
