package dev.parley.examples;

import dev.parley.client.ChatClient;
import dev.parley.client.ChatException;
import dev.parley.client.ChatListener;
import dev.parley.client.ConnectionState;
import dev.parley.protocol.model.Conversation;
import dev.parley.protocol.model.ConversationType;
import dev.parley.protocol.model.Message;
import dev.parley.protocol.model.Participant;
import dev.parley.protocol.payload.ConversationPayloads.ConversationJoined;
import dev.parley.protocol.payload.MessagePayloads.MessagesLoaded;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * The terminal chat's commands and its rendering of what happens on the server, on top of a
 * {@link ChatClient}; the terminal itself (line editor, prompt) is {@link TerminalChatExample}'s.
 * Commands run on the caller's thread and wait for the server's answer; events arrive on the
 * client's listener thread. Both print whole lines through {@code screen}, which puts them above
 * the input line.
 */
final class TerminalChat implements ChatListener {
    static final String HELP = String.join("\n",
            "/list                      your conversations (the numbers are for /join)",
            "/new <user>                start (or reopen) a direct conversation with a user",
            "/group <name> <users...>   create a group with these users",
            "/join <number or id>       switch to a conversation and show its latest messages",
            "/history                   show older messages of the current conversation",
            "/who                       who is in the current conversation, and who is online",
            "/help                      this list",
            "/quit                      leave (Ctrl+D too)",
            "anything else              is sent to the current conversation");

    private static final AttributedStyle INFO = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle ERROR = AttributedStyle.BOLD.foreground(AttributedStyle.RED);
    private static final AttributedStyle FAINT = AttributedStyle.DEFAULT.faint();
    private static final AttributedStyle ME = AttributedStyle.BOLD.foreground(AttributedStyle.GREEN);
    private static final AttributedStyle OTHERS = AttributedStyle.BOLD.foreground(AttributedStyle.CYAN);
    private static final AttributedStyle ONLINE = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
    private static final AttributedStyle ROOM = AttributedStyle.DEFAULT.foreground(AttributedStyle.MAGENTA);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final ChatClient client;
    private final Consumer<AttributedString> screen;
    private final Duration timeout;
    private final Map<String, String> names = new ConcurrentHashMap<>();
    /** The oldest message shown per conversation: {@code /history} shows what lies before it. */
    private final Map<String, Long> oldestShown = new ConcurrentHashMap<>();
    // Listener state: touched on the client's listener thread only.
    private final Map<String, Set<String>> typing = new HashMap<>();
    private final Set<String> knownConversations = new HashSet<>();
    private Set<String> online = Set.of();
    private boolean connectionLost;

    private volatile String me;
    private boolean closed; // guarded by this
    /** Set once the first list is shown: conversations that appear after it are news. */
    private volatile boolean started;
    private volatile String current;
    /** The conversations as last listed, so {@code /join 2} means the second one shown. */
    private volatile List<Conversation> listed = List.of();

    TerminalChat(ChatClient client, Consumer<AttributedString> screen, Duration timeout) {
        this.client = client;
        this.screen = screen;
        this.timeout = timeout;
    }

    /** Authenticates and lists the user's conversations. Returns false when the server refused. */
    boolean start(String token) {
        try {
            var auth = await(client.authenticate(token));
            me = auth.user().id();
            names.put(me, auth.user().username() != null ? auth.user().username() : me);
        } catch (CommandFailed e) {
            print(ERROR, "cannot sign in: " + e.getMessage());
            return false;
        }
        print(INFO, "connected as " + names.get(me) + ". /help lists the commands.");
        try {
            list();
        } catch (CommandFailed e) {
            print(ERROR, e.getMessage());
        }
        started = true;
        return true;
    }

    /** The prompt: the user and the current conversation. */
    AttributedString prompt() {
        AttributedStringBuilder b = new AttributedStringBuilder().styled(ME, names.getOrDefault(me, "?"));
        String room = current;
        if (room != null) {
            b.append(" in ").styled(ROOM, label(conversation(room)));
        }
        return b.append("> ").toAttributedString();
    }

    /** Runs one line the user entered; false when the user wants to quit. */
    boolean handle(String line) {
        String text = line.strip();
        if (text.isEmpty()) {
            return true;
        }
        if (!text.startsWith("/")) {
            send(text);
            return true;
        }
        String[] words = text.split("\\s+");
        String[] args = Arrays.copyOfRange(words, 1, words.length);
        try {
            switch (words[0].toLowerCase(Locale.ROOT)) {
                case "/list" -> list();
                case "/new" -> newDirect(args);
                case "/group" -> newGroup(args);
                case "/join" -> join(args);
                case "/history" -> history();
                case "/who" -> who();
                case "/help" -> HELP.lines().forEach(l -> print(FAINT, l));
                case "/quit", "/exit" -> {
                    return false;
                }
                default -> print(ERROR, "unknown command " + words[0] + "; /help lists the commands");
            }
        } catch (CommandFailed e) {
            print(ERROR, e.getMessage());
        }
        return true;
    }

    /** A key was typed into the input line: tell the others in the current conversation. */
    void typed() {
        String room = current;
        if (room != null) {
            client.setTyping(room); // the client throttles and stops it by itself
        }
    }

    // ---- commands ----

    private void list() {
        List<Conversation> conversations = await(client.loadConversations());
        conversations.forEach(this::learnNames);
        listed = conversations;
        if (conversations.isEmpty()) {
            print(INFO, "no conversations yet: /new <user> starts one");
            return;
        }
        for (int i = 0; i < conversations.size(); i++) {
            Conversation c = conversations.get(i);
            AttributedStringBuilder b = new AttributedStringBuilder()
                    .append(c.id().equals(current) ? "* " : "  ")
                    .append(String.format(Locale.ROOT, "%2d  ", i + 1))
                    .styled(ROOM, label(c));
            if (c.unreadCount() > 0) {
                b.styled(ME, "  " + c.unreadCount() + " unread");
            }
            if (c.latestMessageContent() != null) {
                b.styled(FAINT, "  " + nameOf(c.latestMessageSenderId()) + ": " + oneLine(c.latestMessageContent()));
            }
            out(b.toAttributedString());
        }
    }

    private void newDirect(String[] args) {
        if (args.length != 1) {
            throw new CommandFailed("usage: /new <user>");
        }
        enter(await(client.createDirectConversation(args[0]), "cannot start a conversation with " + args[0]).id());
    }

    private void newGroup(String[] args) {
        if (args.length < 2) {
            throw new CommandFailed("usage: /group <name> <users...>");
        }
        List<String> users = List.of(args).subList(1, args.length);
        enter(await(client.createGroupConversation(args[0], users), "cannot create a group with " + users).id());
    }

    private void join(String[] args) {
        if (args.length != 1) {
            throw new CommandFailed("usage: /join <number from /list, or conversation id>");
        }
        String id = args[0];
        if (id.chars().allMatch(Character::isDigit)) {
            List<Conversation> shown = listed;
            int index = Integer.parseInt(id) - 1;
            if (index < 0 || index >= shown.size()) {
                throw new CommandFailed("no conversation " + id + " in the list; /list shows them");
            }
            id = shown.get(index).id();
        }
        enter(id);
    }

    /**
     * Joins a conversation (again, after creating it: the join's answer says who is online and
     * typing), makes it the current one and shows its latest page.
     */
    private void enter(String id) {
        ConversationJoined joined = await(client.joinConversation(id), "cannot join " + id);
        Conversation c = joined.conversation() != null ? joined.conversation() : conversation(id);
        if (c == null) {
            await(client.loadConversations());
            c = conversation(id);
        }
        if (c == null) {
            throw new CommandFailed("cannot join " + id + ": not one of your conversations");
        }
        learnNames(c);
        current = c.id();
        print(INFO, "now in " + label(c) + " (" + c.participantCount() + " participants)");
        MessagesLoaded page = await(client.loadMessages(c.id()));
        List<Message> messages = page.messages() == null ? List.of() : page.messages();
        if (messages.isEmpty()) {
            print(FAINT, "no messages yet: type one and press Enter");
        }
        messages.forEach(this::show);
        if (page.hasMore()) {
            print(FAINT, "(/history shows older messages)");
        }
    }

    private void history() {
        String room = requireRoom();
        MessagesLoaded page = await(client.loadMoreMessages(room));
        long before = oldestShown.getOrDefault(room, Long.MAX_VALUE);
        List<Message> older = (page.messages() == null ? List.<Message>of() : page.messages()).stream()
                .filter(m -> m.seq() < before).toList();
        if (!older.isEmpty()) {
            print(FAINT, "--- " + older.size() + " earlier message(s) ---");
            older.forEach(this::show);
        }
        if (!page.hasMore()) {
            print(FAINT, "(start of the conversation)");
        }
    }

    private void who() {
        Conversation c = conversation(requireRoom());
        Set<String> onlineNow = client.onlineUsers();
        for (Participant p : c.participants()) {
            AttributedStringBuilder b = new AttributedStringBuilder().append("  ").append(nameOf(p.userId()));
            if (p.userId().equals(me)) {
                b.styled(FAINT, "  (you)");
            } else if (onlineNow.contains(p.userId())) {
                b.styled(ONLINE, "  online");
            } else {
                b.styled(FAINT, "  offline");
            }
            out(b.toAttributedString());
        }
    }

    private void send(String text) {
        String room = current;
        if (room == null) {
            print(ERROR, "join a conversation first: /list, then /join <number>, or /new <user>");
            return;
        }
        // Shown once the server has stored it; until then the client retries it across reconnects.
        client.sendMessage(room, text).thenAccept(result -> {
            if (result.success()) {
                if (room.equals(current)) {
                    show(result.data());
                }
            } else {
                print(ERROR, "not sent: " + result.error());
            }
        });
    }

    // ---- events from the server (listener thread) ----

    @Override
    public void onConnectionStateChanged(ConnectionState state) {
        if (me == null) {
            return; // start() reports the first connection
        }
        switch (state.phase()) {
            case RECONNECTING -> {
                if (!connectionLost) {
                    connectionLost = true;
                    print(ERROR, "connection lost, reconnecting...");
                }
            }
            case AUTHENTICATED -> {
                if (connectionLost) {
                    connectionLost = false;
                    print(INFO, "reconnected");
                }
            }
            case DISCONNECTED -> {
                if (state.error() != null) { // not after the user's own /quit
                    print(ERROR, "disconnected: " + state.error());
                }
            }
            default -> { }
        }
    }

    @Override
    public void onConversationsChanged(List<Conversation> conversations) {
        for (Conversation c : conversations) {
            learnNames(c);
            if (knownConversations.add(c.id()) && me != null && started && !me.equals(c.createdBy())) {
                print(INFO, "new conversation " + label(c) + " from " + nameOf(c.createdBy())
                        + ": /list, then /join <number>");
            }
        }
    }

    @Override
    public void onMessageReceived(Message message) {
        if (message.sender() != null && message.sender().username() != null) {
            names.put(message.senderId(), message.sender().username());
        }
        Set<String> typingHere = typing.get(message.conversationId());
        if (typingHere != null) {
            typingHere.remove(message.senderId()); // a message ends the sender's typing
        }
        if (message.conversationId().equals(current)) {
            show(message);
        } else {
            AttributedStringBuilder b = new AttributedStringBuilder()
                    .styled(ROOM, "[" + label(conversation(message.conversationId())) + "] ")
                    .styled(OTHERS, nameOf(message.senderId())).append(": ").append(body(message));
            out(b.toAttributedString());
        }
    }

    @Override
    public void onTypingChanged(String conversationId, Set<String> userIds) {
        Set<String> before = typing.getOrDefault(conversationId, Set.of());
        typing.put(conversationId, new HashSet<>(userIds));
        if (!conversationId.equals(current)) {
            return;
        }
        for (String userId : userIds) {
            if (!before.contains(userId)) {
                print(FAINT, nameOf(userId) + " is typing...");
            }
        }
    }

    @Override
    public void onOnlineUsersChanged(Set<String> userIds) {
        Set<String> before = online;
        online = Set.copyOf(userIds);
        for (String userId : userIds) {
            if (!before.contains(userId)) {
                print(ONLINE, nameOf(userId) + " is online");
            }
        }
        for (String userId : before) {
            if (!userIds.contains(userId)) {
                print(FAINT, nameOf(userId) + " went offline");
            }
        }
    }

    // ---- rendering ----

    private void show(Message m) {
        oldestShown.merge(m.conversationId(), m.seq(), Math::min);
        AttributedStringBuilder b = new AttributedStringBuilder();
        if (m.createdAt() != null) {
            b.styled(FAINT, CLOCK.format(m.createdAt()) + " ");
        }
        b.styled(m.senderId() != null && m.senderId().equals(me) ? ME : OTHERS, nameOf(m.senderId()))
                .append(": ").append(body(m));
        out(b.toAttributedString());
    }

    private static String body(Message m) {
        if (m.isDeleted()) {
            return "(deleted)";
        }
        if (!"text".equals(m.messageType())) {
            return "(" + m.messageType() + ")";
        }
        return m.encryptedContent() == null ? "" : m.encryptedContent();
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > 40 ? line.substring(0, 39) + "…" : line;
    }

    /** A direct conversation is named after the other user, a group by its name. */
    private String label(Conversation c) {
        if (c == null) {
            return "?";
        }
        if (c.type() == ConversationType.DIRECT) {
            return c.participants().stream().map(Participant::userId).filter(id -> !id.equals(me)).findFirst()
                    .map(id -> "@" + nameOf(id)).orElse("@" + names.getOrDefault(me, "me"));
        }
        return "#" + (c.name() != null ? c.name() : c.id());
    }

    private void learnNames(Conversation c) {
        for (Participant p : c.participants()) {
            if (p.user() != null && p.user().username() != null) {
                names.put(p.userId(), p.user().username());
            }
        }
    }

    private String nameOf(String userId) {
        return userId == null ? "?" : names.getOrDefault(userId, userId);
    }

    private Conversation conversation(String id) {
        for (Conversation c : client.conversations()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }

    private String requireRoom() {
        String room = current;
        if (room == null) {
            throw new CommandFailed("join a conversation first: /list, then /join <number>, or /new <user>");
        }
        return room;
    }

    private void print(AttributedStyle style, String text) {
        out(new AttributedString(text, style));
    }

    /** Lines come from the command thread and the listener thread; none after {@link #close()}. */
    private synchronized void out(AttributedString line) {
        if (!closed) {
            screen.accept(line);
        }
    }

    /** Stops printing: events still queued in the client may arrive after the terminal is gone. */
    synchronized void close() {
        closed = true;
        client.removeListener(this);
    }

    /** Waits for the server's answer to a command. */
    private <T> T await(CompletableFuture<T> answer) {
        return await(answer, null);
    }

    /** Waits for the server's answer; a refusal is reported as "{@code failure}: reason". */
    private <T> T await(CompletableFuture<T> answer, String failure) {
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            if (cause instanceof ChatException refused && refused.code() != null) {
                reason += " (" + refused.code() + ")";
            }
            throw new CommandFailed(failure == null ? reason : failure + ": " + reason);
        } catch (TimeoutException e) {
            throw new CommandFailed("no answer from the server within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailed("interrupted");
        }
    }

    /** A command could not be carried out; its message is shown to the user. */
    private static final class CommandFailed extends RuntimeException {
        CommandFailed(String message) {
            super(message, null, false, false);
        }
    }
}
