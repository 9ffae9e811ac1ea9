"""The network: x-pathway backbone, transition operator, noise, losses, CRF, and the model file format."""
