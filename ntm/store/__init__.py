"""Storage: the data dir's paths, the DuckDB warehouse and its SQL, the run lock, alerts."""

from ntm.store.alerts import write_alert
from ntm.store.lock import DataDirBusyError, data_dir_lock
from ntm.store.paths import DataDir, atomic_path
from ntm.store.warehouse import NewBatch, Warehouse, WarehouseBusyError

__all__ = [
    "DataDir",
    "DataDirBusyError",
    "NewBatch",
    "Warehouse",
    "WarehouseBusyError",
    "atomic_path",
    "data_dir_lock",
    "write_alert",
]
