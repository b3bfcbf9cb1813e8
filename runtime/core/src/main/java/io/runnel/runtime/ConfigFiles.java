package io.runnel.runtime;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Reads Java properties files such as {@code config/server.properties}. */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * The key-value pairs of a properties file, keys sorted, values trimmed.
     *
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} naming the file if it is missing
     *     or cannot be read
     */
    public static Map<String, String> load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "configuration file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "cannot read configuration file " + file + ": "
                    + e.getMessage(), e);
        }
        Map<String, String> values = new TreeMap<>();
        properties.forEach((k, v) -> values.put(((String) k).trim(), ((String) v).trim()));
        return values;
    }
}
