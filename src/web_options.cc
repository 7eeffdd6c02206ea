#include "src/web_options.h"

#include <unistd.h>

namespace tandem {

bool read_web_options(const Options& args, const transport::Address& listen, std::optional<relay::WebOptions>& out,
                      bool* given, std::string* error) {
  const std::string name = args.invoked_as();
  const std::string text = args.value("web-listen");
  *given = args.has("web-listen");
  if (text == "off" || text == "no") {
    for (const char* flag : {"tls-cert", "tls-key", "web-url"}) {
      if (args.has(flag)) {
        *error = name + ": --" + flag + " is for the web port, which --web-listen off turns off";
        return false;
      }
    }
    out.reset();
    return true;
  }
  relay::WebOptions o;
  if (*given) {
    std::optional<transport::Address> a = transport::Address::parse(text);
    if (!a) {
      *error = name + ": --web-listen wants ADDR:PORT, e.g. 0.0.0.0:8022, or off, not '" + text + "'";
      return false;
    }
    o.listen = *a;
  } else {
    o.listen = listen.with_port(kDefaultWebPort);
  }
  o.tls_cert = args.value("tls-cert");
  o.tls_key = args.value("tls-key");
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    *error = name + ": TLS needs both --tls-cert FILE and --tls-key FILE";
    return false;
  }
  for (const std::string* file : {&o.tls_cert, &o.tls_key}) {
    if (!file->empty() && access(file->c_str(), R_OK) != 0) {
      *error = name + ": cannot read " + *file;
      return false;
    }
  }
  o.trust_proxy = args.has("trust-proxy");
  o.public_url = args.value("web-url");
  if (!o.public_url.empty()) {
    if (!o.public_url.starts_with("http://") && !o.public_url.starts_with("https://")) {
      *error = name + ": --web-url wants the page's address as browsers see it, e.g. https://share.example.org/, not '" +
               o.public_url + "'";
      return false;
    }
    if (!o.public_url.ends_with("/")) o.public_url += "/";
  }
  out = o;
  return true;
}

}  // namespace tandem
