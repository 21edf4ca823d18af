"""DeZero's ``examples/vae.py``: a convolutional variational autoencoder on MNIST.

Encoder: four 3x3 convolutions (32, 64 stride 2, 64, 64 channels), Linear(32), and two
Linear(2) heads for the latent mean and log-variance; decoder: Linear(64*14*14), a 4x4
transposed convolution to 32 channels at 28x28, a 3x3 convolution to one channel, sigmoid.
Loss: binary cross entropy plus the KL term; Adam, batches of 16.  After each epoch the book
draws the 15x15 manifold of digits (225 decoder calls under ``no_grad``): computed here, not
shown.  As in the book, the sampling noise is float64 while the model is float32.
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
from plugrad.models import Model
from plugrad.optimizers import Adam


class Settings(NamedTuple):
    epochs: int
    train_images: int
    manifold: int  # the digits per side of the manifold drawn after each epoch (book: 15)


SIZES = {
    "book": Settings(epochs=10, train_images=1200, manifold=15),
    "default": Settings(epochs=1, train_images=480, manifold=15),
    "quick": Settings(epochs=1, train_images=160, manifold=5),
}

BATCH_SIZE, LATENT_SIZE = 16, 2


class Encoder(Model):
    def __init__(self, latent_size: int) -> None:
        super().__init__()
        self.latent_size = latent_size
        self.conv1 = L.Conv2d(32, kernel_size=3, stride=1, pad=1)
        self.conv2 = L.Conv2d(64, kernel_size=3, stride=2, pad=1)
        self.conv3 = L.Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.conv4 = L.Conv2d(64, kernel_size=3, stride=1, pad=1)
        self.linear1 = L.Linear(32)
        self.linear2 = L.Linear(latent_size)
        self.linear3 = L.Linear(latent_size)

    def forward(self, x: Any) -> Any:
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.flatten(x)
        x = F.relu(self.linear1(x))
        z_mean = self.linear2(x)
        z_log_var = self.linear3(x)
        return z_mean, z_log_var

    def sampling(self, z_mean: Any, z_log_var: Any) -> Any:
        batch_size = len(z_mean)
        epsilon = np.random.randn(batch_size, self.latent_size)
        return z_mean + F.exp(z_log_var) * epsilon


class Decoder(Model):
    def __init__(self) -> None:
        super().__init__()
        self.to_shape = (64, 14, 14)  # (C, H, W)
        self.linear = L.Linear(int(np.prod(self.to_shape)))
        self.deconv = L.Deconv2d(32, kernel_size=4, stride=2, pad=1)
        self.conv = L.Conv2d(1, kernel_size=3, stride=1, pad=1)

    def forward(self, x: Any) -> Any:
        x = F.relu(self.linear(x))
        x = F.reshape(x, (-1, *self.to_shape))
        x = F.relu(self.deconv(x))
        x = self.conv(x)
        return F.sigmoid(x)


class VAE(Model):
    def __init__(self, latent_size: int) -> None:
        super().__init__()
        self.encoder = Encoder(latent_size)
        self.decoder = Decoder()

    def forward(self, x: Any, C: float = 1.0, k: int = 1) -> Any:
        encoded: Any = self.encoder(x)  # a Layer returning two Variables
        z_mean, z_log_var = encoded
        rec_loss: Any = 0
        for _ in range(k):
            z = self.encoder.sampling(z_mean, z_log_var)
            y = self.decoder(z)
            rec_loss += F.binary_cross_entropy(F.flatten(y), F.flatten(x)) / k
        kl_loss = C * (z_mean**2 + F.exp(z_log_var) - z_log_var - 1) * 0.5
        kl_loss = F.sum(kl_loss) / len(x)
        return rec_loss + kl_loss


def manifold(vae: VAE, n: int) -> np.ndarray:
    """The book's ``show_digits`` without the plot: n x n decoded grid points."""
    digit_size = 28
    figure = np.zeros((digit_size * n, digit_size * n))
    # norm.ppf(np.linspace(0.05, 0.95, n)) without SciPy: the probit of evenly spaced levels.
    grid = _probit(np.linspace(0.05, 0.95, n))
    for i, yi in enumerate(grid):
        for j, xi in enumerate(grid):
            z_sample = np.array([[xi, yi]])
            with plugrad.no_grad():
                x_decoded = vae.decoder(z_sample)
            digit = x_decoded.data.reshape(digit_size, digit_size)
            rows, cols = (
                slice(i * digit_size, (i + 1) * digit_size),
                slice(j * digit_size, (j + 1) * digit_size),
            )
            figure[rows, cols] = digit
    return figure


def run(settings: Settings) -> dict[str, float]:
    np.random.seed(0)  # not in the book: the same weights and draws on every framework
    vae = VAE(LATENT_SIZE)
    optimizer = Adam().setup(vae)
    train_set = SyntheticMNIST(train=True, transform=as_float_image, count=settings.train_images)
    train_loader = DataLoader(train_set, BATCH_SIZE)

    figure = np.zeros(0)
    epoch_loss = float("nan")  # the last epoch's mean
    for _epoch in range(settings.epochs):
        avg_loss, cnt = 0.0, 0
        for x, _t in train_loader:
            cnt += 1
            loss = vae(x)
            vae.cleargrads()
            loss.backward()
            optimizer.update()
            avg_loss += float(loss.data)
        epoch_loss = avg_loss / cnt
        figure = manifold(vae, settings.manifold)
    return {"loss": epoch_loss, "manifold_mean": float(figure.mean())}


def run_torch(settings: Settings, torch: Any) -> dict[str, float]:
    """The same VAE in PyTorch (float32 throughout, the sampling noise included)."""
    nn, fn = torch.nn, torch.nn.functional

    class TorchVAE(nn.Module):  # type: ignore[misc,name-defined]  # torch is Any here
        def __init__(self) -> None:
            super().__init__()  # pyright: ignore[reportUnknownMemberType]  # torch is Any here
            self.conv1 = nn.Conv2d(1, 32, 3, 1, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 2, 1)
            self.conv3 = nn.Conv2d(64, 64, 3, 1, 1)
            self.conv4 = nn.Conv2d(64, 64, 3, 1, 1)
            self.linear1 = nn.Linear(64 * 14 * 14, 32)
            self.linear2 = nn.Linear(32, LATENT_SIZE)
            self.linear3 = nn.Linear(32, LATENT_SIZE)
            self.dlinear = nn.Linear(LATENT_SIZE, 64 * 14 * 14)
            self.deconv = nn.ConvTranspose2d(64, 32, 4, 2, 1)
            self.dconv = nn.Conv2d(32, 1, 3, 1, 1)

        def decode(self, z: Any) -> Any:
            x = fn.relu(self.dlinear(z)).reshape(-1, 64, 14, 14)
            x = fn.relu(self.deconv(x))
            return torch.sigmoid(self.dconv(x))

        def forward(self, x: Any) -> Any:
            h = fn.relu(self.conv1(x))
            h = fn.relu(self.conv2(h))
            h = fn.relu(self.conv3(h))
            h = fn.relu(self.conv4(h))
            h = fn.relu(self.linear1(h.flatten(1)))
            z_mean, z_log_var = self.linear2(h), self.linear3(h)
            z = z_mean + torch.exp(z_log_var) * torch.randn_like(z_mean)
            y = self.decode(z)
            p = y.flatten(1).clamp(1e-15, 0.999)
            t = x.flatten(1)
            rec = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).sum() / len(x)
            kl = ((z_mean**2 + torch.exp(z_log_var) - z_log_var - 1) * 0.5).sum() / len(x)
            return rec + kl

    torch.manual_seed(0)
    vae = TorchVAE()
    optimizer = torch.optim.Adam(vae.parameters(), lr=0.001)
    data, _labels = images(settings.train_images, True)
    data = (data / 255.0).astype(np.float32)
    rng = np.random.default_rng(0)
    figure = np.zeros(0)
    epoch_loss = float("nan")  # the last epoch's mean
    for _epoch in range(settings.epochs):
        avg_loss, cnt = 0.0, 0
        order = rng.permutation(len(data))
        for start in range(0, len(data), BATCH_SIZE):
            cnt += 1
            loss = vae(torch.from_numpy(data[order[start : start + BATCH_SIZE]]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            avg_loss += float(loss.item())
        epoch_loss = avg_loss / cnt
        n = settings.manifold
        figure = np.zeros((28 * n, 28 * n))
        grid = _probit(np.linspace(0.05, 0.95, n))
        with torch.no_grad():
            for i, yi in enumerate(grid):
                for j, xi in enumerate(grid):
                    z = torch.tensor([[xi, yi]], dtype=torch.float32)
                    digit = vae.decode(z).numpy().reshape(28, 28)
                    figure[i * 28 : (i + 1) * 28, j * 28 : (j + 1) * 28] = digit
    return {"loss": epoch_loss, "manifold_mean": float(figure.mean())}


def _probit(p: np.ndarray) -> np.ndarray:
    """The standard normal's quantile function (SciPy's ``norm.ppf``), by bisection on erf."""
    import math

    out = np.empty_like(p)
    for index, level in enumerate(p):
        low, high = -10.0, 10.0
        for _ in range(80):
            middle = (low + high) / 2
            if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < level:
                low = middle
            else:
                high = middle
        out[index] = (low + high) / 2
    return out
