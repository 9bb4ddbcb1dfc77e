"""Ways to map :func:`figtrace.pipeline.process` over many documents, and the one sink for their results.

- :mod:`~figtrace.scale.pool`: this process (``--jobs 1``) or a process pool;
- :mod:`~figtrace.scale.dask`: a dask.distributed cluster, results as Parquet shards
  (:mod:`~figtrace.scale.shards`);
- :mod:`~figtrace.scale.sink`: stores any road's results in a ledger, in input order.
"""

from figtrace.scale.pool import iter_results
from figtrace.scale.sink import ENGINES, ingest, load_shards, store_results

__all__ = ["ENGINES", "ingest", "iter_results", "load_shards", "store_results"]
