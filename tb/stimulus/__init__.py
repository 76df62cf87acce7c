"""Stimulus: what traffic to send.

* ``sequences``     pyuvm sequences (a ready-made item list, random DMA and MSI traffic)
* ``traffic``       random topologies (domains, devices, mappings) and DMA request streams
* ``cache_streams`` directed and random streams for the cache-policy tests
"""
