"""The file path: a recording file through the streaming pipeline into epochs, events and day
summaries (`file.py`), its tables' columns (`tables.py`), and many files on a Dask cluster
(`cluster.py`); `backcoach analyze` runs it. The live path's twin is `live/`."""
