import CZstd

/// zstd frames for chunks: one frame per chunk, with its content size in the
/// frame header so that a reader knows the plaintext length before it
/// decompresses. Contexts are reused across chunks (the corresponding C
/// functions are `ZSTD_compressCCtx` and `ZSTD_decompressDCtx`).
final class ChunkCodec {
    /// zstd's level 1: the speed `zstd -1` is compared with in the benchmarks;
    /// higher levels cost more time than disk blocks usually repay.
    static let level: Int32 = 1

    let chunkSize: Int
    private let compressor: OpaquePointer
    private let decompressor: OpaquePointer
    /// Holds a compressed frame: the bound zstd guarantees for incompressible data.
    let frameCapacity: Int
    private let frame: ChunkBuffer

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
        compressor = ZSTD_createCCtx()
        decompressor = ZSTD_createDCtx()
        frameCapacity = ZSTD_compressBound(chunkSize)
        frame = ChunkBuffer(capacity: frameCapacity + ChunkBuffer.alignment)
    }

    deinit {
        ZSTD_freeCCtx(compressor)
        ZSTD_freeDCtx(decompressor)
    }

    /// Compresses `plain` into the codec's frame buffer; the result is valid until the next call.
    func compress(_ plain: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let size = ZSTD_compressCCtx(compressor, frame.pointer, frameCapacity, plain.baseAddress, plain.count, Self.level)
        // With a destination of ZSTD_compressBound bytes, compression cannot fail.
        precondition(ZSTD_isError(size) == 0, "zstd: \(String(cString: ZSTD_getErrorName(size)))")
        return frame.bytes(size)
    }

    /// The buffer a stored frame is read into before `decompress`.
    var frameBuffer: ChunkBuffer { frame }

    /// Decompresses one frame into `output`; the reason it cannot, or nil.
    /// A frame must declare its content size, at most a chunk, and decode to exactly that.
    func decompress(_ compressed: UnsafeRawBufferPointer, into output: ChunkBuffer) -> Result<Int, ChunkCodecFailure> {
        let declared = ZSTD_getFrameContentSize(compressed.baseAddress, compressed.count)
        guard declared != ZSTD_CONTENTSIZE_ERROR, declared != ZSTD_CONTENTSIZE_UNKNOWN else {
            return .failure(ChunkCodecFailure(reason: "not a zstd frame with a content size"))
        }
        guard declared <= UInt64(min(chunkSize, output.capacity)) else {
            return .failure(ChunkCodecFailure(reason: "declares \(declared) bytes, more than a chunk"))
        }
        let size = ZSTD_decompressDCtx(decompressor, output.pointer, output.capacity, compressed.baseAddress, compressed.count)
        if ZSTD_isError(size) != 0 {
            return .failure(ChunkCodecFailure(reason: "zstd: \(String(cString: ZSTD_getErrorName(size)))"))
        }
        guard UInt64(size) == declared else {
            return .failure(ChunkCodecFailure(reason: "decoded \(size) bytes of the \(declared) declared"))
        }
        return .success(size)
    }
}

struct ChunkCodecFailure: Error {
    let reason: String
}
