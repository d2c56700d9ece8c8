package dev.parley.core.memory;

import dev.parley.core.spi.Broker;
import dev.parley.core.testkit.BrokerContract;

class LocalBrokerTest extends BrokerContract {
    @Override
    protected Broker newBroker() {
        return new LocalBroker();
    }

    @Override
    protected boolean connectsNodes() {
        return false;
    }
}
