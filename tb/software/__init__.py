"""The software side: what an OS driver writes into memory and registers. Independent of
the golden model (it encodes the in-memory formats itself), so a model bug cannot hide in
the tables the tests build.

* ``table_formats`` encoders of root/context/paging entries, IRTEs, descriptors, MSI addresses
* ``tables``        :class:`TableBuilder`: domains, devices, mappings, IRTEs, queue contents, and
                    the register programming steps a driver performs
* ``register_layer`` registers by name and field over any register bus, from ``python_model.regmap``
* ``driver``        :class:`Software`: a driver at run time over the register layer
"""
