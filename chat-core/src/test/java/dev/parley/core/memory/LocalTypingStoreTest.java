package dev.parley.core.memory;

import dev.parley.core.spi.TypingStore;
import dev.parley.core.testkit.TypingStoreContract;

class LocalTypingStoreTest extends TypingStoreContract {
    @Override
    protected TypingStore newStore() {
        return new LocalTypingStore();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return false;
    }
}
