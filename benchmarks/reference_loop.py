"""The training loop the papers' code uses, as the benchmark's baseline.

A torchvision-style dataset of PIL images (``Image.fromarray`` per sample, as
``torchvision.datasets.CIFAR10.__getitem__`` does), ``RandomCrop(32, padding=4)``,
``RandomHorizontalFlip``, ``ToTensor``, ``Normalize``, a ``DataLoader`` with batch 128, shuffle and
two worker processes, fp32, SGD with momentum, and ``loss.item()`` every step as tutorials do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class PILImageDataset(Dataset):
    """uint8 ``[N, C, H, W]`` images served one PIL image at a time, like torchvision's datasets."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        array = images.permute(0, 2, 3, 1).numpy()  # NHWC, as the CIFAR pickles are read
        self.images = array[..., 0] if array.shape[-1] == 1 else array
        self.labels = labels.numpy()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        image = Image.fromarray(self.images[index])
        return self.transform(image), int(self.labels[index])


def reference_transform(mean, std, *, image_size: int, augment: bool = True):
    """The papers' per-image transform pipeline."""
    steps = [transforms.RandomCrop(image_size, padding=4), transforms.RandomHorizontalFlip()] if augment else []
    return transforms.Compose([*steps, transforms.ToTensor(), transforms.Normalize(mean, std)])


def reference_loader(data, *, batch_size: int = 128, num_workers: int = 2, augment: bool = True, seed: int = 0,
                     pin_memory: bool = False):
    """A shuffling DataLoader over the training split of an ``ImageDataset`` (``pin_memory`` for a GPU)."""
    transform = reference_transform(data.mean, data.std, image_size=data.image_size[0], augment=augment)
    dataset = PILImageDataset(data.x_train, data.y_train, transform)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers,
                      persistent_workers=num_workers > 0, generator=generator, drop_last=True,
                      pin_memory=pin_memory)


class ReferenceTrainer:
    """fp32 SGD-with-momentum steps fed by a DataLoader, timed into input and compute parts.

    On a GPU each batch is copied to ``device`` as the papers' loops do (``inputs.to(device)``)."""

    def __init__(self, model: nn.Module, loader: DataLoader, *, lr: float = 0.05, momentum: float = 0.9,
                 weight_decay: float = 5e-4, device: torch.device = torch.device("cpu")):
        self.device = device
        self.model = model.to(device)
        self.loader = loader
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        self.batches: Iterator | None = None

    def _next_batch(self):
        if self.batches is None:
            self.batches = iter(self.loader)
        try:
            return next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            return next(self.batches)

    def run_steps(self, num_steps: int) -> dict[str, float]:
        """Train ``num_steps`` steps; return images, total seconds and seconds waiting for input."""
        self.model.train()
        input_seconds, images = 0.0, 0
        start = time.perf_counter()
        for _ in range(num_steps):
            before_input = time.perf_counter()
            inputs, labels = self._next_batch()
            inputs, labels = inputs.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)
            input_seconds += time.perf_counter() - before_input
            logits = self.model(inputs)
            loss = F.cross_entropy(logits, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            loss.item()  # the per-step host sync of the usual loop (free on the CPU, not on a GPU)
            images += len(labels)
        return {"images": images, "seconds": time.perf_counter() - start, "input_seconds": input_seconds}

    def train_epochs(self, num_epochs: int) -> None:
        """Whole epochs over the loader (for time-to-accuracy)."""
        self.model.train()
        for _ in range(num_epochs):
            for inputs, labels in self.loader:
                inputs, labels = inputs.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)
                loss = F.cross_entropy(self.model(inputs), labels)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                loss.item()


def reference_accuracy(model: nn.Module, data, *, batch_size: int = 1000) -> float:
    """Test top-1 of ``model`` evaluated the reference way (ToTensor + Normalize per image)."""
    transform = reference_transform(data.mean, data.std, image_size=data.image_size[0], augment=False)
    loader = DataLoader(PILImageDataset(data.x_test, data.y_test, transform), batch_size=batch_size)
    model.eval()
    correct = 0
    with torch.inference_mode():
        for inputs, labels in loader:
            correct += (model(inputs).argmax(1) == labels).sum().item()
    return correct / len(data.y_test)


def numpy_seed(seed: int) -> None:
    """Seed numpy and torch for the reference side (DataLoader workers derive from torch's seed)."""
    np.random.seed(seed)
    torch.manual_seed(seed)
