"""One module per corpus file format; the registry and detection are in seqgsn.io.corpus."""
