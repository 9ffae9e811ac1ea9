"""From records to tensors: features, batches, training-set assembly, redundancy control, DSSP labels."""
