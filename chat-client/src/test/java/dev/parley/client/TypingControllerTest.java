package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypingControllerTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<String> sent = new ArrayList<>();
    private final TypingController typing = new TypingController(scheduler, new TypingController.Sink() {
        @Override
        public void sendStart(String conversationId) {
            sent.add("start " + conversationId);
        }

        @Override
        public void sendStop(String conversationId) {
            sent.add("stop " + conversationId);
        }
    }, 3000, 2000);

    @Test
    void stopsThreeSecondsAfterTheLastCall() {
        typing.touch("c-1");
        scheduler.advance(2999);
        assertThat(sent).containsExactly("start c-1");
        scheduler.advance(1);
        assertThat(sent).containsExactly("start c-1", "stop c-1");
        assertThat(typing.isTyping("c-1")).isFalse();
    }

    @Test
    void eachCallPushesTheStopBack() {
        typing.touch("c-1");
        scheduler.advance(1500);
        typing.touch("c-1");
        scheduler.advance(2500);
        assertThat(sent).containsExactly("start c-1");
        scheduler.advance(500);
        assertThat(sent).containsExactly("start c-1", "stop c-1");
    }

    @Test
    void keystrokesSendStartAtMostOncePerTwoSeconds() {
        for (int i = 0; i < 50; i++) {
            typing.touch("c-1");
            scheduler.advance(100); // 5 s of fast typing
        }
        assertThat(sent).containsExactly("start c-1", "start c-1", "start c-1");
    }

    @Test
    void anExplicitStopCancelsTheAutomaticOne() {
        typing.touch("c-1");
        typing.stopped("c-1");
        scheduler.advance(10_000);
        assertThat(sent).containsExactly("start c-1");
        assertThat(scheduler.scheduledCount()).isZero();
    }

    @Test
    void typingAfterAStopStartsAgain() {
        typing.touch("c-1");
        scheduler.advance(3000);
        typing.touch("c-1");
        assertThat(sent).containsExactly("start c-1", "stop c-1", "start c-1");
    }

    @Test
    void conversationsAreIndependent() {
        typing.touch("c-1");
        scheduler.advance(2000);
        typing.touch("c-2");
        scheduler.advance(1000);
        assertThat(sent).containsExactly("start c-1", "start c-2", "stop c-1");
        scheduler.advance(2000);
        assertThat(sent).containsExactly("start c-1", "start c-2", "stop c-1", "stop c-2");
    }

    @Test
    void aLostConnectionForgetsTypingWithoutSendingStops() {
        typing.touch("c-1");
        typing.reset();
        scheduler.advance(5000);
        assertThat(sent).containsExactly("start c-1");
        assertThat(typing.isTyping("c-1")).isFalse();
    }

    @Test
    void anExplicitStartHasNoAutomaticStop() {
        typing.started("c-1");
        scheduler.advance(60_000);
        assertThat(sent).isEmpty();
        assertThat(typing.isTyping("c-1")).isTrue();
    }
}
