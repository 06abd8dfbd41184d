"""Sums each pattern of a Zarr array on a Dask LocalCluster of worker processes
and compares with blo virtual's sums (a .npy of shape NY x NX)."""
import sys

import numpy as np
import dask.array as da
from distributed import Client, LocalCluster

if __name__ == "__main__":
    zarr_path, sums_path = sys.argv[1], sys.argv[2]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        data = da.from_zarr(zarr_path)
        sums = data.astype(np.float64).sum(axis=(-2, -1)).compute()
        workers = len(client.scheduler_info()["workers"])
    expected = np.load(sums_path)
    if sums.shape != expected.shape or not np.array_equal(sums, expected):
        print(f"different: {sums.shape} vs {expected.shape}")
        sys.exit(1)
    print(f"equal: {sums.size} patterns summed by {workers} worker processes")
