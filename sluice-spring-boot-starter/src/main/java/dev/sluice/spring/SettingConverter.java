package dev.sluice.spring;

import dev.sluice.Algorithm;
import dev.sluice.FailurePolicy;
import dev.sluice.enforcement.Enforcer;
import dev.sluice.enforcement.settings.Dialect;
import dev.sluice.enforcement.settings.Setting;
import dev.sluice.http.HeaderStyle;
import dev.sluice.http.OnMissingKey;
import dev.sluice.servlet.InvalidSettingException;
import dev.sluice.servlet.SluiceSettings;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.converter.GenericConverter;

/**
 * Binds the {@code sluice.*} properties of Sluice's own types (algorithm, on-missing-key, header
 * style, failure policy, descriptor counting) with their settings' declarations, so that a wrong value fails naming
 * the property and listing the allowed values, as an init-param would.
 */
public final class SettingConverter implements GenericConverter {

  private final Map<Class<?>, Setting<?>> byType = new LinkedHashMap<>();

  /** A converter for every Sluice type of the {@code sluice.*} properties. */
  public SettingConverter() {
    register(Algorithm.class, SluiceSettings.ALGORITHM);
    register(OnMissingKey.class, SluiceSettings.ON_MISSING_KEY);
    register(HeaderStyle.class, SluiceSettings.HEADERS);
    register(FailurePolicy.class, SluiceSettings.FAILURE_POLICY);
    register(Enforcer.Counting.class, SluiceSettings.DESCRIPTOR_COUNTING);
  }

  private <T> void register(Class<T> type, Setting<T> setting) {
    byType.put(type, setting);
  }

  @Override
  public Set<ConvertiblePair> getConvertibleTypes() {
    Set<ConvertiblePair> pairs = new LinkedHashSet<>();
    for (Class<?> type : byType.keySet()) {
      pairs.add(new ConvertiblePair(String.class, type));
    }
    return pairs;
  }

  @Override
  public @Nullable Object convert(@Nullable Object source, TypeDescriptor sourceType,
      TypeDescriptor targetType) {
    Setting<?> setting = byType.get(targetType.getType());
    if (source == null || setting == null) {
      return null;
    }
    String text = (String) source;
    if (text.isBlank() && setting.isBlankUnset()) {
      return null;
    }
    try {
      return setting.type().parse(text, Dialect.FILTER);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(SluiceAutoConfiguration.PREFIX + setting.name(),
          String.valueOf(e.getMessage()), e);
    }
  }
}
