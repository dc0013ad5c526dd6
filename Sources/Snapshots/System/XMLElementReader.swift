import CLibXML2
import Foundation

/// The elements of an XML document read from a file descriptor as it arrives
/// (a tool's output pipe), by libxml2's streaming reader, opened on first
/// use: memory stays flat however long the document is.
struct XMLElementReader {
    enum Event: Equatable {
        /// An element's start; an `<empty/>` one is followed by its end at once.
        case start(name: String, attributes: [String: String])
        case end(name: String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Calls `handle` for every element start and end, in document order;
    /// throws on malformed XML, or what `handle` throws. Reads `fd` to the end
    /// of the document, not further; the caller owns and closes it.
    static func read(_ fd: Int32, _ handle: (Event) throws -> Void) throws {
        var loadError = [CChar](repeating: 0, count: 512)
        guard dmsnap_xml_load(&loadError, loadError.count) == 0 else {
            let words = String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(description: "cannot open libxml2 (\(words)); install Debian's libxml2")
        }
        let firstError = UnsafeMutablePointer<dmsnap_xml_error>.allocate(capacity: 1)
        firstError.initialize(to: dmsnap_xml_error())
        defer { firstError.deallocate() }
        guard let reader = dmsnap_xml_reader_for_fd(fd, firstError) else {
            throw Failure(description: "libxml2 could not make a reader")
        }
        defer { dmsnap_xml_free_reader(reader) }
        while true {
            switch dmsnap_xml_read(reader) {
            case 0: return
            case 1: break
            default:
                let message = withUnsafeBytes(of: firstError.pointee.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                throw Failure(description: "the XML is malformed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            let name = String(cString: dmsnap_xml_local_name(reader))
            switch dmsnap_xml_node_type(reader) {
            case 1:
                let isEmpty = dmsnap_xml_is_empty_element(reader) == 1
                var attributes: [String: String] = [:]
                while dmsnap_xml_move_to_next_attribute(reader) == 1 {
                    attributes[String(cString: dmsnap_xml_local_name(reader))] = String(cString: dmsnap_xml_value(reader))
                }
                dmsnap_xml_move_to_element(reader)
                try handle(.start(name: name, attributes: attributes))
                if isEmpty { try handle(.end(name: name)) }
            case 15:
                try handle(.end(name: name))
            default:
                continue
            }
        }
    }
}
