"""DeZero's ``examples/gan.py``: a DCGAN on MNIST.

Generator: Linear(1024), BatchNorm, ReLU, Linear(128*7*7), BatchNorm, ReLU, reshape, 4x4
transposed convolutions to 64 channels (14x14) and to one (28x28), sigmoid.  Discriminator:
4x4 stride-2 convolutions to 64 and 128 channels with leaky ReLU and BatchNorm, Linear(1024),
BatchNorm, Linear(1), sigmoid.  Adam (alpha 2e-4, beta1 0.5) for each, binary cross entropy,
batches of 128, noise of 62; every fifth iteration the book draws 25 images in test mode
(computed here, not shown).

Mixed dtypes, as the book has them: ``init_weight`` replaces every weight with a float64
``0.02 * randn`` while biases and BatchNorm's parameters stay float32, and it feeds a float64
dummy batch.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import plugrad
import plugrad.functions as F
import plugrad.layers as L
from benchmarks.programs._data import images
from benchmarks.programs._dataset import SyntheticMNIST, as_float_image
from plugrad import DataLoader
from plugrad.models import Sequential
from plugrad.optimizers import Adam


class Settings(NamedTuple):
    epochs: int
    train_images: int


SIZES = {
    "book": Settings(epochs=2, train_images=1200),
    "default": Settings(epochs=1, train_images=640),
    "quick": Settings(epochs=1, train_images=256),
}

BATCH_SIZE, HIDDEN_SIZE = 128, 62
FC_CHANNEL, FC_HEIGHT, FC_WIDTH = 128, 7, 7


def to_image(x: Any) -> Any:
    return F.reshape(x, (-1, FC_CHANNEL, FC_HEIGHT, FC_WIDTH))


def build() -> tuple[Sequential, Sequential]:
    gen = Sequential(
        L.Linear(1024),
        L.BatchNorm(),
        F.relu,
        L.Linear(FC_CHANNEL * FC_HEIGHT * FC_WIDTH),
        L.BatchNorm(),
        F.relu,
        to_image,
        L.Deconv2d(FC_CHANNEL // 2, kernel_size=4, stride=2, pad=1),
        L.BatchNorm(),
        F.relu,
        L.Deconv2d(1, kernel_size=4, stride=2, pad=1),
        F.sigmoid,
    )
    dis = Sequential(
        L.Conv2d(64, kernel_size=4, stride=2, pad=1),
        F.leaky_relu,
        L.Conv2d(128, kernel_size=4, stride=2, pad=1),
        L.BatchNorm(),
        F.leaky_relu,
        F.flatten,
        L.Linear(1024),
        L.BatchNorm(),
        F.leaky_relu,
        L.Linear(1),
        F.sigmoid,
    )
    return gen, dis


def init_weight(
    dis: Sequential, gen: Sequential, hidden_size: int, dtype: type[np.floating[Any]] | None = None
) -> None:
    """The book's: a dummy batch creates the weights, then each is redrawn as 0.02 * randn.

    ``dtype=None`` keeps the book's float64 (the dummy batch, hence BatchNorm's parameters,
    and the redrawn weights); ``gan_float32.py`` passes float32.
    """
    batch_size = 1
    z = np.random.rand(batch_size, hidden_size)
    if dtype is not None:
        z = z.astype(dtype)
    fake_images = gen(z)
    dis(fake_images)
    for layer in dis.layers + gen.layers:
        classname = layer.__class__.__name__
        if classname.lower() in ("conv2d", "linear", "deconv2d"):
            weight = 0.02 * np.random.randn(*layer.W.data.shape)  # type: ignore[union-attr]
            layer.W.data = weight if dtype is None else weight.astype(dtype)  # type: ignore[union-attr]


def run(settings: Settings, dtype: type[np.floating[Any]] | None = None) -> dict[str, float]:
    np.random.seed(0)  # not in the book: the same weights and draws on every framework
    gen, dis = build()
    init_weight(dis, gen, HIDDEN_SIZE, dtype)
    opt_g = Adam(alpha=0.0002, beta1=0.5).setup(gen)
    opt_d = Adam(alpha=0.0002, beta1=0.5).setup(dis)
    train_set = SyntheticMNIST(train=True, transform=as_float_image, count=settings.train_images)
    train_loader = DataLoader(train_set, BATCH_SIZE)
    label_real = np.ones(BATCH_SIZE).astype(int)
    label_fake = np.zeros(BATCH_SIZE).astype(int)
    test_z = np.random.randn(25, HIDDEN_SIZE).astype(np.float32)

    avg_loss_d = avg_loss_g = 0.0
    cnt = 0
    image_mean = 0.0
    for _epoch in range(settings.epochs):
        avg_loss_d = avg_loss_g = 0.0
        cnt = 0
        for x, t in train_loader:
            cnt += 1
            if len(t) != BATCH_SIZE:
                continue
            # (1) Update discriminator
            z = np.random.randn(BATCH_SIZE, HIDDEN_SIZE).astype(np.float32)
            fake = gen(z)
            y_real = dis(x)
            y_fake = dis(fake.data)
            loss_d = F.binary_cross_entropy(y_real, label_real) + F.binary_cross_entropy(
                y_fake, label_fake
            )
            gen.cleargrads()
            dis.cleargrads()
            loss_d.backward()
            opt_d.update()
            # (2) Update generator
            y_fake = dis(fake)
            loss_g = F.binary_cross_entropy(y_fake, label_real)
            gen.cleargrads()
            dis.cleargrads()
            loss_g.backward()
            opt_g.update()

            avg_loss_g += float(loss_g.data)
            avg_loss_d += float(loss_d.data)
            if cnt % 5 == 0:  # the book's generate_image(), without the plot
                with plugrad.test_mode():
                    fake_images = gen(test_z)
                image_mean = float(fake_images.data.mean())
    full = max(cnt - (1 if settings.train_images % BATCH_SIZE else 0), 1)
    return {
        "loss_g": avg_loss_g / full,
        "loss_d": avg_loss_d / full,
        "image_mean": image_mean,
    }


def run_torch(settings: Settings, torch: Any) -> dict[str, float]:
    """The same DCGAN in PyTorch, float32 throughout (weights drawn as 0.02 * randn)."""
    nn = torch.nn
    torch.manual_seed(0)
    bn = {"eps": 2e-5, "momentum": 0.1}
    gen = nn.Sequential(
        nn.Linear(HIDDEN_SIZE, 1024),
        nn.BatchNorm1d(1024, **bn),
        nn.ReLU(),
        nn.Linear(1024, FC_CHANNEL * FC_HEIGHT * FC_WIDTH),
        nn.BatchNorm1d(FC_CHANNEL * FC_HEIGHT * FC_WIDTH, **bn),
        nn.ReLU(),
        nn.Unflatten(1, (FC_CHANNEL, FC_HEIGHT, FC_WIDTH)),
        nn.ConvTranspose2d(FC_CHANNEL, FC_CHANNEL // 2, 4, 2, 1),
        nn.BatchNorm2d(FC_CHANNEL // 2, **bn),
        nn.ReLU(),
        nn.ConvTranspose2d(FC_CHANNEL // 2, 1, 4, 2, 1),
        nn.Sigmoid(),
    )
    dis = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1),
        nn.BatchNorm2d(128, **bn),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1024),
        nn.BatchNorm1d(1024, **bn),
        nn.LeakyReLU(0.2),
        nn.Linear(1024, 1),
        nn.Sigmoid(),
    )
    with torch.no_grad():
        for module in [*gen, *dis]:
            if isinstance(module, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
                module.weight.normal_(0.0, 0.02)
    opt_g = torch.optim.Adam(gen.parameters(), lr=0.0002, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(dis.parameters(), lr=0.0002, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    data, _labels = images(settings.train_images, True)
    data = (data / 255.0).astype(np.float32)
    real, fake_label = torch.ones(BATCH_SIZE, 1), torch.zeros(BATCH_SIZE, 1)
    test_z = torch.randn(25, HIDDEN_SIZE)
    rng = np.random.default_rng(0)
    avg_loss_d = avg_loss_g = 0.0
    cnt = 0
    image_mean = 0.0
    for _epoch in range(settings.epochs):
        avg_loss_d = avg_loss_g = 0.0
        cnt = 0
        order = rng.permutation(len(data))
        for start in range(0, len(data), BATCH_SIZE):
            cnt += 1
            index = order[start : start + BATCH_SIZE]
            if len(index) != BATCH_SIZE:
                continue
            x = torch.from_numpy(data[index])
            fake = gen(torch.randn(BATCH_SIZE, HIDDEN_SIZE))
            loss_d = bce(dis(x), real) + bce(dis(fake.detach()), fake_label)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = bce(dis(fake), real)
            opt_g.zero_grad()
            dis.zero_grad()
            loss_g.backward()
            opt_g.step()
            avg_loss_g += float(loss_g.item())
            avg_loss_d += float(loss_d.item())
            if cnt % 5 == 0:
                gen.eval()
                with torch.no_grad():
                    image_mean = float(gen(test_z).mean().item())
                gen.train()
    full = max(cnt - (1 if settings.train_images % BATCH_SIZE else 0), 1)
    return {
        "loss_g": avg_loss_g / full,
        "loss_d": avg_loss_d / full,
        "image_mean": image_mean,
    }
