#include "j2k_decoder.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace lightbox {

namespace {

struct MemoryStream {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos;
};

OPJ_SIZE_T readFn(void* buffer, OPJ_SIZE_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (s->pos >= s->size) return OPJ_SIZE_T(-1);
    const std::size_t k = std::min<std::size_t>(n, s->size - s->pos);
    std::memcpy(buffer, s->data + s->pos, k);
    s->pos += k;
    return k;
}

OPJ_OFF_T skipFn(OPJ_OFF_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0) {
        const std::size_t back = std::min<std::size_t>(std::size_t(-n), s->pos);
        s->pos -= back;
        return -OPJ_OFF_T(back);
    }
    const std::size_t k = std::min<std::size_t>(std::size_t(n), s->size - std::min(s->pos, s->size));
    s->pos += k;
    return OPJ_OFF_T(k);
}

OPJ_BOOL seekFn(OPJ_OFF_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0 || std::size_t(n) > s->size) return OPJ_FALSE;
    s->pos = std::size_t(n);
    return OPJ_TRUE;
}

void errorFn(const char* msg, void* user)
{
    auto* out = static_cast<std::string*>(user);
    if (out->empty()) {
        *out = msg;
        while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
    }
}
void quietFn(const char*, void*) {}

struct CodecDeleter { void operator()(opj_codec_t* c) const { opj_destroy_codec(c); } };
struct StreamDeleter { void operator()(opj_stream_t* s) const { opj_stream_destroy(s); } };
struct ImageDeleter { void operator()(opj_image_t* i) const { opj_image_destroy(i); } };

}  // namespace

Result<J2kImage> decodeJ2k(const std::uint8_t* data, std::size_t size)
{
    if (!data || size < 12) return makeError("corrupt-pixel-data", "JPEG 2000 fragment is empty");
    static const std::uint8_t jp2Magic[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    const bool isJp2 = std::memcmp(data, jp2Magic, 12) == 0;
    // Some encoders put bytes before the codestream: find the SOC+SIZ markers.
    std::size_t start = 0;
    if (!isJp2) {
        while (start + 4 <= size && !(data[start] == 0xFF && data[start + 1] == 0x4F && data[start + 2] == 0xFF && data[start + 3] == 0x51))
            ++start;
        if (start + 4 > size) return makeError("corrupt-pixel-data", "no JPEG 2000 codestream in the pixel data");
    }
    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(isJp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    if (!codec) return makeError("decoder", "cannot create the JPEG 2000 decoder");
    std::string error;
    opj_set_error_handler(codec.get(), errorFn, &error);
    opj_set_warning_handler(codec.get(), quietFn, nullptr);
    opj_set_info_handler(codec.get(), quietFn, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params)) return makeError("decoder", "cannot set up the JPEG 2000 decoder");

    MemoryStream ms{data + start, size - start, 0};
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
    opj_stream_set_user_data(stream.get(), &ms, nullptr);
    opj_stream_set_user_data_length(stream.get(), ms.size);
    opj_stream_set_read_function(stream.get(), readFn);
    opj_stream_set_skip_function(stream.get(), skipFn);
    opj_stream_set_seek_function(stream.get(), seekFn);

    opj_image_t* raw = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw) || !raw)
        return makeError("corrupt-pixel-data", "JPEG 2000 header: " + (error.empty() ? std::string("unreadable") : error));
    std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
    const std::uint64_t w = image->x1 - image->x0, h = image->y1 - image->y0;
    if (w == 0 || h == 0 || w * h > (std::uint64_t(1) << 28) || image->numcomps < 1 || image->numcomps > 4)
        return makeError("corrupt-pixel-data", "JPEG 2000 image size or components out of range");
    bool mct = false;
    if (opj_codestream_info_v2_t* info = opj_get_cstr_info(codec.get())) {
        mct = info->m_default_tile_info.mct != 0;
        opj_destroy_cstr_info(&info);
    }
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
        return makeError("corrupt-pixel-data", "JPEG 2000 decoding: " + (error.empty() ? std::string("failed") : error));

    J2kImage out;
    out.width = std::uint32_t(w);
    out.height = std::uint32_t(h);
    out.components = int(image->numcomps);
    out.precision = int(image->comps[0].prec);
    out.isSigned = image->comps[0].sgnd != 0;
    out.mctApplied = mct && image->numcomps >= 3;
    out.samples.resize(std::size_t(w * h * image->numcomps));
    for (int c = 0; c < out.components; ++c) {
        const opj_image_comp_t& comp = image->comps[c];
        if (!comp.data || comp.dx == 0 || comp.dy == 0) return makeError("corrupt-pixel-data", "JPEG 2000 component without data");
        const std::uint32_t cw = comp.w, ch = comp.h;
        for (std::uint32_t y = 0; y < h; ++y) {
            const std::uint32_t sy = std::min(y / comp.dy, ch ? ch - 1 : 0);
            for (std::uint32_t x = 0; x < w; ++x) {
                const std::uint32_t sx = std::min(x / comp.dx, cw ? cw - 1 : 0);
                out.samples[(std::size_t(y) * w + x) * out.components + c] = comp.data[std::size_t(sy) * cw + sx];
            }
        }
    }
    return out;
}

}  // namespace lightbox
