package io.runnel.client.internal.config;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ConfigValidationTest {
    private static RunnelException producerFails(String... keyValues) {
        Map<String, String> config = new HashMap<>(Map.of("bootstrap.servers", "localhost:1"));
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        RunnelException e = assertThrows(RunnelException.class,
                () -> new RunnelProducer<>(config, new StringSerializer(), new StringSerializer()).close());
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        return e;
    }

    @Test
    void unknownKeySuggestsTheNearestOne() {
        String message = producerFails("linger.msx", "5").getMessage();
        assertTrue(message.contains("'linger.msx'") && message.contains("did you mean 'linger.ms'"), message);
    }

    @Test
    void badValuesNameKeyAndValue() {
        String message = producerFails("acks", "2").getMessage();
        assertTrue(message.contains("'acks'") && message.contains("'2'") && message.contains("0, 1, all, -1"), message);
        message = producerFails("batch.size", "big").getMessage();
        assertTrue(message.contains("'batch.size'") && message.contains("'big'"), message);
        message = producerFails("bootstrap.servers", "nohostport").getMessage();
        assertTrue(message.contains("nohostport"), message);
    }

    @Test
    void missingBootstrapIsRefused() {
        RunnelException e = assertThrows(RunnelException.class,
                () -> new RunnelConsumer<>(Map.of(), new StringDeserializer(), new StringDeserializer()));
        assertTrue(e.getMessage().contains("bootstrap.servers"), e.getMessage());
    }

    @Test
    void aCodecThatIsNotInstalledFailsAtConstruction() {
        String message = producerFails("compression.type", "brotli").getMessage();
        assertTrue(message.contains("brotli") && message.contains("installed: none (0)"), message);
    }

    @Test
    void explicitIdempotenceNeedsAcksAll() {
        String message = producerFails("enable.idempotence", "true", "acks", "1").getMessage();
        assertTrue(message.contains("acks=all"), message);
        message = producerFails("enable.idempotence", "true", "max.in.flight.requests.per.connection", "6").getMessage();
        assertTrue(message.contains("max.in.flight.requests.per.connection"), message);
    }

    @Test
    void consumerRejectsBadReset() {
        RunnelException e = assertThrows(RunnelException.class, () -> new RunnelConsumer<>(Map.of("bootstrap.servers",
                "localhost:1", "auto.offset.reset", "smallest"), new StringDeserializer(), new StringDeserializer()));
        assertTrue(e.getMessage().contains("auto.offset.reset") && e.getMessage().contains("smallest"), e.getMessage());
    }

    @Test
    void docsCarryTheCurrentConfigTables() throws Exception {
        Path doc = Path.of("../../docs/client.md");
        String text = Files.readString(doc);
        assertTrue(text.contains(ClientConfigDefs.producer().markdownTable()),
                "docs/client.md's producer table is out of date; regenerate it from ClientConfigDefs.producer()");
        assertTrue(text.contains(ClientConfigDefs.consumer().markdownTable()),
                "docs/client.md's consumer table is out of date; regenerate it from ClientConfigDefs.consumer()");
    }
}
