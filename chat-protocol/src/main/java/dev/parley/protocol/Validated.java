package dev.parley.protocol;

/** A request payload with rules that span several fields, checked after its per-field {@link Rules}. */
public interface Validated {
    /** Throws {@link ProtocolException} when the payload breaks a rule. */
    void validate(ProtocolLimits limits);
}
