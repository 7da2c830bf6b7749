package dev.sluice.starterapps;

import dev.sluice.servlet.RateLimited;
import dev.sluice.spring.OpenSecurity;
import dev.sluice.spring.SluiceExemption;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * A login application for the starter's tests of exemptions and count-statuses (outside {@code
 * dev.sluice.spring}, so that the other test application does not scan it).
 */
@SpringBootApplication
@Import(OpenSecurity.class)
public class LoginApp {

  /** Requests with the internal token are exempt. */
  @Bean
  SluiceExemption internalTools() {
    return request -> request.header("X-Internal-Token").filter("s3cret"::equals).isPresent();
  }

  @RestController
  static class Logins {
    @PostMapping("/login")
    ResponseEntity<String> login(@RequestHeader(name = "X-Password", required = false) String pw) {
      return "open sesame".equals(pw) ? ResponseEntity.ok("welcome")
          : ResponseEntity.status(401).body("wrong password");
    }

    /** Its own limit, held by the MVC interceptor and settled by the filter. */
    @PostMapping("/pin")
    @RateLimited(value = "2/minute", key = "ip")
    ResponseEntity<String> pin(@RequestHeader(name = "X-Pin", required = false) String pin) {
      return "1234".equals(pin) ? ResponseEntity.ok("unlocked")
          : ResponseEntity.status(403).body("wrong pin");
    }

    @GetMapping("/health")
    String health() {
      return "up";
    }
  }
}
