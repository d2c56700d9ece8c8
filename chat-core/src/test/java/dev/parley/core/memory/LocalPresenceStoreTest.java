package dev.parley.core.memory;

import dev.parley.core.spi.PresenceStore;
import dev.parley.core.testkit.PresenceStoreContract;

class LocalPresenceStoreTest extends PresenceStoreContract {
    @Override
    protected PresenceStore newStore() {
        return new LocalPresenceStore();
    }

    @Override
    protected boolean sharesStateAcrossInstances() {
        return false;
    }
}
