// YAML text of a YamlNode tree (see yaml_node.h).
#include "deploy/k8s/yaml_node.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hem {
namespace {

bool IsScalar(const YamlNode& node) {
  return node.kind() != YamlNode::Kind::kMap && node.kind() != YamlNode::Kind::kList;
}

bool IsEmptyCollection(const YamlNode& node) {
  return (node.kind() == YamlNode::Kind::kMap && node.entries().empty()) ||
         (node.kind() == YamlNode::Kind::kList && node.items().empty());
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\x%02x", u);
          out += escaped;
        } else {
          out += c;  // UTF-8 passes through: YAML text is UTF-8.
        }
    }
  }
  return out + "\"";
}

// Keys as Kubernetes writes them ("app.kubernetes.io/name", "nvidia.com/gpu")
// stay plain; anything a YAML reader could take for another type is quoted.
std::string Key(const std::string& key) {
  bool plain = !key.empty() && absl::ascii_isalpha(static_cast<unsigned char>(key[0]));
  for (const char c : key) {
    plain = plain && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                      c == '_' || c == '/' || c == '-');
  }
  const std::string lower = absl::AsciiStrToLower(key);
  for (const char* special : {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}) {
    if (lower == special) plain = false;
  }
  return plain ? key : Quoted(key);
}

std::string Scalar(const YamlNode& node) {
  switch (node.kind()) {
    case YamlNode::Kind::kString: return Quoted(node.text());
    case YamlNode::Kind::kInt: return absl::StrCat(node.int_value());
    case YamlNode::Kind::kBool: return node.bool_value() ? "true" : "false";
    case YamlNode::Kind::kMap: return "{}";
    case YamlNode::Kind::kList: return "[]";
  }
  return "";
}

// Writes a non-empty map or list whose lines start at `indent` spaces.
void WriteBlock(const YamlNode& node, int indent, std::string* out) {
  const std::string pad(indent, ' ');
  if (node.kind() == YamlNode::Kind::kMap) {
    for (const auto& [key, value] : node.entries()) {
      absl::StrAppend(out, pad, Key(key), ":");
      if (IsScalar(value) || IsEmptyCollection(value)) {
        absl::StrAppend(out, " ", Scalar(value), "\n");
      } else {
        absl::StrAppend(out, "\n");
        WriteBlock(value, indent + 2, out);
      }
    }
    return;
  }
  for (const YamlNode& item : node.items()) {
    if (IsScalar(item) || IsEmptyCollection(item)) {
      absl::StrAppend(out, pad, "- ", Scalar(item), "\n");
      continue;
    }
    // The item's block two columns in, its first line starting with "- ".
    std::string block;
    WriteBlock(item, indent + 2, &block);
    absl::StrAppend(out, pad, "- ", block.substr(indent + 2));
  }
}

}  // namespace

YamlNode YamlNode::Bool(bool value) {
  YamlNode node(Kind::kBool);
  node.bool_ = value;
  return node;
}

YamlNode YamlNode::Map() { return YamlNode(Kind::kMap); }
YamlNode YamlNode::List() { return YamlNode(Kind::kList); }

YamlNode YamlNode::ListOf(const std::vector<std::string>& strings) {
  YamlNode list = List();
  for (const std::string& s : strings) list.Add(s);
  return list;
}

YamlNode& YamlNode::Set(const std::string& key, YamlNode value) {
  for (auto& entry : entries_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return *this;
    }
  }
  entries_.emplace_back(key, std::move(value));
  return *this;
}

YamlNode& YamlNode::Add(YamlNode value) {
  items_.push_back(std::move(value));
  return *this;
}

const YamlNode* YamlNode::Find(const std::string& key) const {
  for (const auto& entry : entries_) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

std::string ToYaml(const YamlNode& node) {
  if (IsScalar(node) || IsEmptyCollection(node)) return Scalar(node) + "\n";
  std::string out;
  WriteBlock(node, 0, &out);
  return out;
}

std::string ToYamlDocuments(const std::vector<YamlNode>& documents) {
  std::string out;
  for (const YamlNode& document : documents) absl::StrAppend(&out, "---\n", ToYaml(document));
  return out;
}

}  // namespace hem
