"""Train an MLP data-parallel over MPI processes; rank 0 prints the global test accuracy.

    mpiexec -n 2 python examples/train_mlp.py                  # DeZero's spiral, 2 processes
    mpiexec -n 2 python examples/train_mlp.py --data digits    # 8x8 digits (scikit-learn)
    python examples/train_mlp.py                               # one process, no mpiexec

The global batch (``--batch-size``, 30 as in DeZero's spiral demo) is split evenly over the
processes, so any number of processes takes the same steps as one process would; each
process reads only its own shard of the training set.  The test set is split exactly
(shards of unequal length) and the metrics are averaged over every example.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from plugrad_mpi import (
    Communicator,
    broadcast_parameters,
    create_communicator,
    create_multi_node_optimizer,
    evaluate,
    save_weights,
    scatter_dataset,
)

from plugrad import Variable, optimizers
from plugrad.dataloaders import DataLoader
from plugrad.datasets import Dataset, Digits, Spiral
from plugrad.functions import relu, sigmoid, softmax_cross_entropy
from plugrad.models import MLP


def load(name: str) -> tuple[Dataset, Dataset, MLP, optimizers.Optimizer]:
    """The train and test sets, a model and its optimizer for data set ``name``."""
    if name == "digits":
        try:
            train_set, test_set = Digits(train=True), Digits(train=False)
        except ImportError as error:
            raise SystemExit(f"--data digits: {error}") from None
        return train_set, test_set, MLP((100, 10), activation=relu), optimizers.Adam(0.003)
    # The spiral's constructor seeds NumPy's global generator (as DeZero's does).
    return (
        Spiral(train=True),
        Spiral(train=False),
        MLP((10, 3), activation=sigmoid),
        optimizers.SGD(lr=1.0),
    )


def per_process_batch(comm: Communicator, global_batch: int) -> int:
    if global_batch % comm.size != 0:
        raise SystemExit(
            f"--batch-size {global_batch} does not split evenly over {comm.size} processes; "
            f"pick a multiple of {comm.size}"
        )
    return global_batch // comm.size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--data", choices=("spiral", "digits"), default="spiral")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=30, help="global batch size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", metavar="PATH", help="write the trained weights here")
    args = parser.parse_args(argv)

    comm = create_communicator()
    batch_size = per_process_batch(comm, args.batch_size)
    train_set, test_set, model, optimizer = load(args.data)
    train_shard = scatter_dataset(train_set, comm, shuffle=True, seed=args.seed)
    test_shard = scatter_dataset(test_set, comm, force_equal_length=False)
    np.random.seed(args.seed + comm.rank)  # ranks differ: the broadcast makes the models equal
    broadcast_parameters(model, comm, sample=train_set.data[:1])
    trainer = create_multi_node_optimizer(optimizer, comm).setup(model)
    loader = DataLoader(train_shard, batch_size)
    if comm.rank == 0:
        print(
            f"{args.data}: {len(train_set)} training examples over {comm.size} process(es), "
            f"{len(train_shard)} each; batch {batch_size} per process ({args.batch_size} in all)"
        )

    start = time.perf_counter()
    loss: Variable | None = None  # the last batch's
    for epoch in range(1, args.epochs + 1):
        for x, t in loader:
            loss = softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            trainer.update()
        if loss is not None and epoch % max(1, args.epochs // 5) == 0 and comm.rank == 0:
            print(f"epoch {epoch:>4}  last batch loss {float(loss.data):.4f}")
    elapsed = time.perf_counter() - start

    metrics = evaluate(model, test_shard, comm)  # every rank takes part
    if args.save:
        save_weights(model, args.save, comm)
    if comm.rank == 0:
        print(
            f"test accuracy {metrics['accuracy']:.1%}  test loss {metrics['loss']:.4f}  "
            f"({len(test_set)} examples over {comm.size} process(es), {elapsed:.1f} s training)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
