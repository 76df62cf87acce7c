"""``make sweep``: configurations x workloads on the replay player (doc: README "Sweeps").

``spec`` reads and validates a sweep file, ``jobs`` holds the work each process does,
``report`` writes the CSV, markdown and plots, ``cli`` is ``python -m tb.flows.sweep``.
"""
