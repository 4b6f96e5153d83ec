"""One module per paper: the protocols that combine datasets, features, models and evaluation."""
