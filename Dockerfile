# Parley reference chat server.
#   docker build -t parley-server .
#   docker run -p 8080:8080 -e JWT_SECRET=... -e DATABASE_URL=jdbc:postgresql://db:5432/chat \
#     -e DATABASE_USER=chat -e DATABASE_PASSWORD=... parley-server
# Without JWT settings the server runs in dev mode and listens on the container's loopback only,
# so it is unreachable from outside: configure JWT_SECRET, JWT_JWKS_URL or SUPABASE_URL.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl chat-server-ref -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system parley \
 && useradd --system --gid parley --home-dir /app --shell /usr/sbin/nologin parley \
 && mkdir -p /app/data /app/logs \
 && chown parley:parley /app/data /app/logs
WORKDIR /app
COPY --from=build /src/chat-server-ref/target/chat-server.jar /app/chat-server.jar
USER parley
ENV WEBSOCKET_HOST=0.0.0.0 \
    WEBSOCKET_PORT=8080 \
    DATA_DIR=/app/data \
    LOG_FILE=/app/logs/websocket.log
EXPOSE 8080
VOLUME ["/app/data", "/app/logs"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
  CMD ["java", "-XX:TieredStopAtLevel=1", "-Xmx32m", "-jar", "/app/chat-server.jar", "health"]
# Exec form: the JVM is PID 1 and receives SIGTERM from `docker stop`, which triggers the graceful shutdown.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/chat-server.jar"]
