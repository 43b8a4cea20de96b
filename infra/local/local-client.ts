// The local OpenID provider's one client: the token script and the bundled provider config use it.

export const LOCAL_CLIENT_ID = "local-cli";
/** Never served: the token script reads the code from the redirect's Location header. */
export const LOCAL_REDIRECT_URI = "http://127.0.0.1/callback";
