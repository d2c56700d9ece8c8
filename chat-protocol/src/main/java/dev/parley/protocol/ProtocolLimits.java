package dev.parley.protocol;

/**
 * Size and count limits of the protocol (section 1.5 and the extension sections), with the
 * protocol's defaults. Immutable; build a variant with {@link #builder()}.
 *
 * @param maxFrameBytes       whole text message, UTF-8 bytes (over it: close 1009)
 * @param maxContentBytes     {@code content}, each {@code encryptedContents} value and each opaque call field
 * @param maxMetadataBytes    serialized {@code metadata}
 * @param maxNameChars        conversation name
 * @param maxGroupSize        participants of a group, creator included
 * @param maxRequestIdChars   {@code requestId}
 * @param maxNestingDepth     JSON nesting depth of a frame (arrays and objects)
 * @param defaultPageSize     messages per page when {@code limit} is absent
 * @param maxPageSize         larger {@code limit} values are clamped to this
 * @param maxFileBytes        one uploaded file
 * @param fileChunkBytes      decoded bytes per file chunk
 */
public record ProtocolLimits(
        int maxFrameBytes,
        int maxContentBytes,
        int maxMetadataBytes,
        int maxNameChars,
        int maxGroupSize,
        int maxRequestIdChars,
        int maxNestingDepth,
        int defaultPageSize,
        int maxPageSize,
        long maxFileBytes,
        int fileChunkBytes) {

    public static final ProtocolLimits DEFAULTS = builder().build();

    public ProtocolLimits {
        requirePositive(maxFrameBytes, "maxFrameBytes");
        requirePositive(maxContentBytes, "maxContentBytes");
        requirePositive(maxMetadataBytes, "maxMetadataBytes");
        requirePositive(maxNameChars, "maxNameChars");
        if (maxGroupSize < 2) {
            throw new IllegalArgumentException("maxGroupSize must be at least 2");
        }
        requirePositive(maxRequestIdChars, "maxRequestIdChars");
        requirePositive(maxNestingDepth, "maxNestingDepth");
        requirePositive(maxPageSize, "maxPageSize");
        if (defaultPageSize < 1 || defaultPageSize > maxPageSize) {
            throw new IllegalArgumentException("defaultPageSize must be within 1..maxPageSize");
        }
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be positive");
        }
        requirePositive(fileChunkBytes, "fileChunkBytes");
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .maxFrameBytes(maxFrameBytes).maxContentBytes(maxContentBytes).maxMetadataBytes(maxMetadataBytes)
                .maxNameChars(maxNameChars).maxGroupSize(maxGroupSize).maxRequestIdChars(maxRequestIdChars)
                .maxNestingDepth(maxNestingDepth).defaultPageSize(defaultPageSize).maxPageSize(maxPageSize)
                .maxFileBytes(maxFileBytes).fileChunkBytes(fileChunkBytes);
    }

    public static final class Builder {
        private int maxFrameBytes = 1 << 20;
        private int maxContentBytes = 64 * 1024;
        private int maxMetadataBytes = 4 * 1024;
        private int maxNameChars = 100;
        private int maxGroupSize = 256;
        private int maxRequestIdChars = 128;
        private int maxNestingDepth = 32;
        private int defaultPageSize = 50;
        private int maxPageSize = 100;
        private long maxFileBytes = 25L * 1024 * 1024;
        private int fileChunkBytes = 49152;

        private Builder() {
        }

        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder maxContentBytes(int v) { maxContentBytes = v; return this; }
        public Builder maxMetadataBytes(int v) { maxMetadataBytes = v; return this; }
        public Builder maxNameChars(int v) { maxNameChars = v; return this; }
        public Builder maxGroupSize(int v) { maxGroupSize = v; return this; }
        public Builder maxRequestIdChars(int v) { maxRequestIdChars = v; return this; }
        public Builder maxNestingDepth(int v) { maxNestingDepth = v; return this; }
        public Builder defaultPageSize(int v) { defaultPageSize = v; return this; }
        public Builder maxPageSize(int v) { maxPageSize = v; return this; }
        public Builder maxFileBytes(long v) { maxFileBytes = v; return this; }
        public Builder fileChunkBytes(int v) { fileChunkBytes = v; return this; }

        public ProtocolLimits build() {
            return new ProtocolLimits(maxFrameBytes, maxContentBytes, maxMetadataBytes, maxNameChars, maxGroupSize,
                    maxRequestIdChars, maxNestingDepth, defaultPageSize, maxPageSize, maxFileBytes, fileChunkBytes);
        }
    }
}
