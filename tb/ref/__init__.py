"""Reference models of the RTL's micro-architecture (the golden model in ``python_model``
is architectural and cannot tell a cache that never hits from one that works).

* ``caches``    the one cache reference: IOTLB (sets, ways, the four replacement policies),
                context cache, the legacy walker oracle and :class:`UnitCacheRef`, which chains
                them like the request pipeline
* ``predictor`` the scoreboard's hit/miss predictor: :class:`UnitCacheRef` fed with the fills
                of the outcome the golden model accepted, checked against the counters
"""
