"""Builds the 224x224 distillation check of issue 15: a hospital-style 1-channel torchvision ResNet-18 teacher
(ImageNet stem: 7x7 stride-2 conv, max-pool) exported to ONNX, and 512 / 64 / 64 PneumoniaMNIST images upsampled
from 28x28 to 224x224 (bilinear) in MedMNIST npz layout (uint8 [N, 224, 224], labels [N, 1]).

The teacher gets one SGD epoch over the 512 training images (batch 32, lr 0.01, momentum 0.9), so it is not a
constant function; it is not a good classifier and does not need to be: the check is that `medslim distill` trains
a student at 224 px through 10 epochs at an effective batch of 64 on the wasm heap without error.
Files are large (32 MB + 45 MB) and are written outside the repository; nothing reads them at test time.

Usage (Debian's python3-torch / python3-torchvision; seeded, so the same torch build gives the same files):
  /usr/bin/python3 bench/make_224.py --out /tmp/r224
  medslim distill --teacher /tmp/r224/teacher224.onnx --data /tmp/r224/pneumonia224.npz --epochs 10 \
      --batch-size 64 --scale 1/255 --out /tmp/r224/run10
"""
import argparse
import os

import numpy as np
import torch
import torchvision

ap = argparse.ArgumentParser()
ap.add_argument('--out', required=True, help='output folder (created)')
ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', 'examples', 'pneumoniamnist', 'pneumoniamnist.npz'))
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
torch.manual_seed(0)
d = np.load(args.data)


def up(x, n):
    t = torch.from_numpy(x[:n]).float().unsqueeze(1)
    t = torch.nn.functional.interpolate(t, size=(224, 224), mode='bilinear', align_corners=False)
    return t.round().clamp(0, 255).squeeze(1).to(torch.uint8).numpy()


out = {}
for split, n in (('train', 512), ('val', 64), ('test', 64)):
    out[f'{split}_images'] = up(d[f'{split}_images'], n)
    out[f'{split}_labels'] = d[f'{split}_labels'][:n]
np.savez(os.path.join(args.out, 'pneumonia224.npz'), **out)

m = torchvision.models.resnet18(num_classes=2)
m.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
x = torch.from_numpy(out['train_images']).float().unsqueeze(1) / 255
y = torch.from_numpy(out['train_labels'].reshape(-1)).long()
m.train()
for i in range(0, 512, 32):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(m(x[i:i + 32]), y[i:i + 32])
    loss.backward()
    opt.step()
m.eval()
torch.onnx.export(m, torch.zeros(1, 1, 224, 224), os.path.join(args.out, 'teacher224.onnx'),
                  input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
print(f'wrote {args.out}/pneumonia224.npz and teacher224.onnx (last training loss {loss.item():.4f})')
