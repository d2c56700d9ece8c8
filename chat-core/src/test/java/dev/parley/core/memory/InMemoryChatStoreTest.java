package dev.parley.core.memory;

import dev.parley.core.spi.ChatStore;
import dev.parley.core.testkit.ChatStoreContract;

class InMemoryChatStoreTest extends ChatStoreContract {
    @Override
    protected ChatStore newStore() {
        return new InMemoryChatStore();
    }
}
