"""plugrad-mpi: data-parallel training for plugrad on MPI (after ChainerMN and Horovod).

Every process holds the model and trains on its own shard of each batch; the gradients are
averaged over the processes (one allreduce per dtype) before every update.  Run a script with
``mpiexec -n 4 python train.py``; started without ``mpiexec`` it runs as one process.

    comm = create_communicator()
    train = scatter_dataset(train_set, comm, shuffle=True, seed=0)
    broadcast_parameters(model, comm, sample=train_set.data[:1])
    optimizer = create_multi_node_optimizer(optimizers.Adam(), comm).setup(model)
    ...                                   # the usual loop: cleargrads, backward, update
    print(evaluate(model, scatter_dataset(test_set, comm, force_equal_length=False), comm))
"""

from plugrad_mpi._checkpoint import CheckpointError as CheckpointError
from plugrad_mpi._checkpoint import load_weights as load_weights
from plugrad_mpi._checkpoint import save_weights as save_weights
from plugrad_mpi._communicator import CollectiveMismatchError as CollectiveMismatchError
from plugrad_mpi._communicator import Communicator as Communicator
from plugrad_mpi._communicator import ReduceOp as ReduceOp
from plugrad_mpi._communicator import create_communicator as create_communicator
from plugrad_mpi._data import SubDataset as SubDataset
from plugrad_mpi._data import scatter_dataset as scatter_dataset
from plugrad_mpi._data import shard_indices as shard_indices
from plugrad_mpi._evaluation import Metric as Metric
from plugrad_mpi._evaluation import evaluate as evaluate
from plugrad_mpi._evaluation import global_mean as global_mean
from plugrad_mpi._faults import install_abort_hook as install_abort_hook
from plugrad_mpi._optimizer import MultiNodeOptimizer as MultiNodeOptimizer
from plugrad_mpi._optimizer import ParameterMismatchError as ParameterMismatchError
from plugrad_mpi._optimizer import broadcast_parameters as broadcast_parameters
from plugrad_mpi._optimizer import create_multi_node_optimizer as create_multi_node_optimizer

__all__ = [
    "CheckpointError",
    "CollectiveMismatchError",
    "Communicator",
    "Metric",
    "MultiNodeOptimizer",
    "ParameterMismatchError",
    "ReduceOp",
    "SubDataset",
    "broadcast_parameters",
    "create_communicator",
    "create_multi_node_optimizer",
    "evaluate",
    "global_mean",
    "install_abort_hook",
    "load_weights",
    "save_weights",
    "scatter_dataset",
    "shard_indices",
]
