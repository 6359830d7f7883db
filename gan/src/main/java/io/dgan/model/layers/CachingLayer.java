package io.dgan.model.layers;

/** A DL4J layer whose backward pass takes its forward pass's pre-activation from a {@link PreActivationCache}. */
interface CachingLayer {
    PreActivationCache cache();
}
