/**
 * Several Parley nodes behind one address, sharing events and presence through Redis.
 *
 * <p>Public entry points: {@link dev.parley.cluster.redis.RedisConnections} (a node's two
 * connections to Redis), {@link dev.parley.cluster.redis.RedisSettings}, and the two SPI
 * implementations it hands out, {@link dev.parley.cluster.redis.RedisBroker} and
 * {@link dev.parley.cluster.redis.RedisPresenceStore}. The module's README describes the channel
 * and key layout and the behaviour under failures.
 */
package dev.parley.cluster.redis;
