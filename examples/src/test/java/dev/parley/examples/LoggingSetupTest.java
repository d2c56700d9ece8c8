package dev.parley.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An application using the reference server as a library keeps its own logging set-up. */
class LoggingSetupTest {

    @Test
    void theServerModuleBringsNoLogbackXmlOfItsOwn() throws Exception {
        List<URL> found = Collections.list(getClass().getClassLoader().getResources("logback.xml"));

        assertThat(found).hasSize(1);
        assertThat(found.get(0).getPath()).contains("/examples/");
    }
}
