"""Jobs: work that runs after the change that needs it, on Dask workers.

A job row is written in the same transaction as that change (an outbox); the dispatcher hands
committed jobs to Dask, and the hub writes the results. See ``registry`` for how a kind of job
is declared and ``dispatcher`` for how jobs run.

Importing this package stays cheap: ``distributed`` is only imported with ``dispatcher``.
"""
