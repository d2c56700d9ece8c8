package dev.parley.core.memory;

import dev.parley.core.spi.CallStore;
import dev.parley.core.testkit.CallStoreContract;

class LocalCallStoreTest extends CallStoreContract {
    @Override
    protected CallStore newStore() {
        return new LocalCallStore();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return false;
    }
}
