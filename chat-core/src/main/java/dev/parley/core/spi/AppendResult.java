package dev.parley.core.spi;

/** The outcome of an append: the stored message, and whether it was already stored under the same client message id. */
public record AppendResult(MessageRecord message, boolean duplicate) {
}
