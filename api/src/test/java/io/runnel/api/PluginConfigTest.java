package io.runnel.api;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PluginConfigTest {

    @Test
    void readsValuesAndDefaults() {
        PluginConfig config = PluginConfig.of(Map.of("a", " 7 ", "b", "TRUE", "c", ""));
        assertEquals(7, config.intValue("a", 1, 0, 10));
        assertEquals(3, config.intValue("c", 3, 0, 10));
        assertEquals(9L, config.longValue("missing", 9L, 0, 10));
        assertEquals(true, config.booleanValue("b", false));
        assertFalse(config.booleanValue("missing", false));
    }

    @Test
    void badValuesNameKeyValueAndRange() {
        PluginConfig config = PluginConfig.of(Map.of("level", "99", "flag", "yes", "n", "x"));
        RunnelException e = assertThrows(RunnelException.class, () -> config.intValue("level", 3, 1, 22));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertEquals("invalid value '99' for level: expected an integer from 1 to 22", e.getMessage());
        assertThrows(RunnelException.class, () -> config.longValue("n", 1, 0, 5));
        assertEquals("invalid value 'yes' for flag: expected true or false",
                assertThrows(RunnelException.class, () -> config.booleanValue("flag", true)).getMessage());
    }
}
