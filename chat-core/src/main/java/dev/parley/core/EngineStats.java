package dev.parley.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the engine, with the seed's {@code getStats()} names plus counters (frames,
 * messages, errors by code, rate-limit rejections, slow-consumer closes, ...).
 */
public record EngineStats(
        int totalConnections,
        int authenticatedConnections,
        int totalRooms,
        List<String> onlineUsers,
        Map<String, Long> counters) {

    public EngineStats {
        onlineUsers = List.copyOf(onlineUsers);
        counters = Map.copyOf(counters);
    }

    /** {@code {"totalConnections", "authenticatedConnections", "roomStats": {"totalRooms", "onlineUsers"}, "counters"}}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("totalConnections", totalConnections);
        o.addProperty("authenticatedConnections", authenticatedConnections);
        JsonObject rooms = new JsonObject();
        rooms.addProperty("totalRooms", totalRooms);
        JsonArray online = new JsonArray();
        onlineUsers.forEach(online::add);
        rooms.add("onlineUsers", online);
        o.add("roomStats", rooms);
        JsonObject c = new JsonObject();
        counters.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> c.addProperty(e.getKey(), e.getValue()));
        o.add("counters", c);
        return o;
    }
}
