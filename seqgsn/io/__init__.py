"""Reading and writing files: FASTA, corpus readers, profiles, output formats, the corpus store, atomic writes."""
