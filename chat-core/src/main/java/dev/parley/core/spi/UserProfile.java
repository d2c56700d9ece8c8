package dev.parley.core.spi;

/** The profile fields of a user as the identity provider states them; written on every successful auth. */
public record UserProfile(
        String id, String username, String displayName, String avatarUrl, String email, String phone, String authUserId) {

    public static UserProfile of(Principal p) {
        return new UserProfile(p.userId(), p.username(), p.displayName(), p.avatarUrl(), p.email(), p.phone(),
                p.authUserId());
    }
}
