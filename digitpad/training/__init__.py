"""Making models (imports TensorFlow): training data from every source, training, retraining on a user's samples."""
